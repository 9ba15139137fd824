// Imported first by main.ts: marks when the page's script began to run (the UI benchmark splits the
// map's first open with it; the bundle's download and parse come before this mark).
performance.mark('webview-script-start');
