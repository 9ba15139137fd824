// The map's points in WebGL2 with hand-written shaders (no code generation, nothing evaluated: the
// webview's CSP stays `default-src 'none'`). Positions and styles live in GPU buffers in grid order;
// a frame draws only the rows of cells in view. Premultiplied alpha.
import type { PointIndex } from './mapIndex';
import { DIM_ALPHA, MUTED_SLOT, type Frame, type PointLayer, type PointStyle } from './pointLayer';

const POINTS_VS = `#version 300 es
layout(location = 0) in vec2 a_xy;
layout(location = 1) in uvec2 a_style;
uniform vec3 u_map;      // a, bx, by: data -> CSS pixels
uniform vec2 u_size;     // canvas, CSS pixels
uniform float u_side;    // point side, device pixels
uniform uint u_pass;     // 2: the dimmed points, 0: the others
uniform vec4 u_colours[${MUTED_SLOT + 1}];
flat out vec4 v_colour;
void main() {
  uint f = a_style.y;
  if ((f & 1u) != 0u || (f & 2u) != u_pass) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    gl_PointSize = 0.0;
    return;
  }
  vec2 s = a_xy * u_map.x + u_map.yz;
  gl_Position = vec4(s.x / u_size.x * 2.0 - 1.0, 1.0 - s.y / u_size.y * 2.0, 0.0, 1.0);
  gl_PointSize = u_side;
  float alpha = f == 2u ? ${DIM_ALPHA} : 1.0;
  v_colour = vec4(u_colours[min(a_style.x, ${MUTED_SLOT}u)].rgb * alpha, alpha);
}`;
const POINTS_FS = `#version 300 es
precision mediump float;
flat in vec4 v_colour;
out vec4 o;
void main() { o = v_colour; }`;
export class GlPoints implements PointLayer {
  readonly kind = 'webgl2';
  private readonly points: WebGLProgram;
  private readonly xyBuf: WebGLBuffer;
  private readonly styleBuf: WebGLBuffer;
  private readonly vao: WebGLVertexArrayObject;
  private styleBytes = new Uint8Array(0);
  private style: PointStyle | undefined;
  private readonly loc: Record<string, WebGLUniformLocation | null> = {};

  /** null when WebGL2 is not available (the map then uses Canvas 2D). */
  static create(canvas: HTMLCanvasElement): GlPoints | null {
    const gl = canvas.getContext('webgl2', { alpha: true, premultipliedAlpha: true, antialias: false, depth: false, stencil: false });
    if (!gl) return null;
    try {
      return new GlPoints(canvas, gl);
    } catch {
      return null;
    }
  }

  private constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly gl: WebGL2RenderingContext,
  ) {
    this.points = program(gl, POINTS_VS, POINTS_FS);
    for (const name of ['u_map', 'u_size', 'u_side', 'u_pass', 'u_colours']) this.loc[name] = gl.getUniformLocation(this.points, name);
    this.xyBuf = gl.createBuffer()!;
    this.styleBuf = gl.createBuffer()!;
    this.vao = gl.createVertexArray()!;
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.xyBuf);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.styleBuf);
    gl.enableVertexAttribArray(1);
    gl.vertexAttribIPointer(1, 2, gl.UNSIGNED_BYTE, 0, 0);
    gl.bindVertexArray(null);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    this.warmUp();
  }

  /** Draws once, off screen: a software renderer compiles a pipeline at its first draw (hundreds of ms), not at a zoom. */
  private warmUp(): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.xyBuf);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(2), gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.styleBuf);
    gl.bufferData(gl.ARRAY_BUFFER, new Uint8Array(2), gl.STATIC_DRAW);
    gl.viewport(0, 0, 1, 1);
    gl.useProgram(this.points);
    gl.bindVertexArray(this.vao);
    gl.drawArrays(gl.POINTS, 0, 1);
    gl.bindVertexArray(null);
    this.sync();
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  setPoints(ix: PointIndex): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.xyBuf);
    gl.bufferData(gl.ARRAY_BUFFER, ix.sortedXY, gl.STATIC_DRAW);
  }

  setStyle(style: PointStyle): void {
    const n = style.slot.length;
    if (this.styleBytes.length !== 2 * n) this.styleBytes = new Uint8Array(2 * n);
    for (let k = 0; k < n; k++) {
      this.styleBytes[2 * k] = style.slot[k];
      this.styleBytes[2 * k + 1] = style.flags[k];
    }
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.styleBuf);
    gl.bufferData(gl.ARRAY_BUFFER, this.styleBytes, gl.DYNAMIC_DRAW);
    this.style = style;
  }

  render(f: Frame, ranges: readonly [number, number][]): void {
    const { gl, canvas } = this;
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!this.style || !ranges.length) return;
    gl.useProgram(this.points);
    gl.uniform3f(this.loc['u_map'], f.a, f.bx, f.by);
    gl.uniform2f(this.loc['u_size'], f.w, f.h);
    gl.uniform1f(this.loc['u_side'], Math.max(1, Math.round(2 * f.r * f.dpr)));
    const colours = new Float32Array((MUTED_SLOT + 1) * 4);
    for (let j = 0; j < colours.length; j++) colours[j] = this.style.rgba[j] / 255;
    gl.uniform4fv(this.loc['u_colours'], colours);
    gl.bindVertexArray(this.vao);
    for (const pass of this.style.emphasis ? [2, 0] : [0]) {
      gl.uniform1ui(this.loc['u_pass'], pass);
      for (const [start, end] of ranges) gl.drawArrays(gl.POINTS, start, end - start);
    }
    gl.bindVertexArray(null);
  }

  sync(): void {
    this.gl.readPixels(0, 0, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, new Uint8Array(4));
  }

  pixel(x: number, y: number): number[] {
    const px = new Uint8Array(4);
    this.gl.readPixels(x, this.canvas.height - 1 - y, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, px);
    return Array.from(px);
  }

  painted(): number {
    const { gl, canvas } = this;
    const px = new Uint8Array(canvas.width * canvas.height * 4);
    gl.readPixels(0, 0, canvas.width, canvas.height, gl.RGBA, gl.UNSIGNED_BYTE, px);
    let n = 0;
    for (let p = 3; p < px.length; p += 4) if (px[p]) n++;
    return n;
  }
}

function program(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const p = gl.createProgram()!;
  for (const [type, src] of [
    [gl.VERTEX_SHADER, vs],
    [gl.FRAGMENT_SHADER, fs],
  ] as const) {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s)}`);
    gl.attachShader(p, s);
  }
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(p)}`);
  return p;
}
