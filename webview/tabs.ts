// The workbench's tab bar: one line that scrolls sideways on a narrow editor (nine tabs do not fit
// in a half-width editor), with the keyboard of the WAI-ARIA tabs pattern: Left/Right (wrapping),
// Home and End move to a tab and show it; only the active tab is in the Tab order, and it is always
// scrolled into view. Styles are in media/workbench.css (.tabs, .tab): the CSP allows no inline style.

/** Keyboard navigation and wheel scrolling for a `role="tablist"` of `role="tab"` buttons with data-tab ids. */
export function wireTabBar(nav: HTMLElement, activate: (id: string) => void): void {
  nav.addEventListener('keydown', (e) => {
    const tabs = tabsOf(nav);
    const i = tabs.indexOf(document.activeElement as HTMLElement);
    if (i < 0) return;
    const n = tabs.length;
    const next = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i + n - 1) % n : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -1;
    if (next < 0) return;
    e.preventDefault();
    tabs[next].focus();
    activate(tabs[next].dataset.tab!);
  });
  // a vertical wheel over the bar scrolls it sideways (most mice have no horizontal wheel)
  nav.addEventListener(
    'wheel',
    (e) => {
      if (nav.scrollWidth <= nav.clientWidth || Math.abs(e.deltaX) > Math.abs(e.deltaY)) return;
      nav.scrollLeft += e.deltaY;
      e.preventDefault();
    },
    { passive: false },
  );
}

/** Marks the active tab (aria-selected, the only one reachable with Tab) and scrolls the bar, not the page, to show it. */
export function markActiveTab(nav: HTMLElement, id: string): void {
  for (const b of tabsOf(nav)) {
    const active = b.dataset.tab === id;
    b.setAttribute('aria-selected', String(active));
    b.tabIndex = active ? 0 : -1;
    if (active) scrollIntoBar(nav, b);
  }
}

function scrollIntoBar(nav: HTMLElement, tab: HTMLElement): void {
  const bar = nav.getBoundingClientRect();
  const r = tab.getBoundingClientRect();
  if (r.left < bar.left) nav.scrollLeft -= bar.left - r.left;
  else if (r.right > bar.right) nav.scrollLeft += r.right - bar.right;
}

function tabsOf(nav: HTMLElement): HTMLElement[] {
  return [...nav.querySelectorAll<HTMLElement>('[role="tab"]')];
}
