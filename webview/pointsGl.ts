// The map's points in WebGL2 with hand-written shaders (no code generation, nothing evaluated: the
// webview's CSP stays `default-src 'none'`). Positions and styles live in GPU buffers in grid order;
// a frame draws only the rows of cells in view, or, with too many points in view, the density image
// as one textured quad. Premultiplied alpha throughout.
import type { PointIndex } from './mapIndex';
import { DIM_ALPHA, MUTED_SLOT, type Frame, type Lod, type PointLayer, type PointStyle } from './pointLayer';

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
const QUAD_VS = `#version 300 es
uniform vec2 u_size;
uniform vec3 u_view;     // x, y, scale
uniform vec4 u_rect;     // the part of the image that holds points (uv min, uv max)
out vec2 v_uv;
void main() {
  vec2 c = mix(u_rect.xy, u_rect.zw, vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1)));
  vec2 s = c * u_size * u_view.z + u_view.xy;
  v_uv = c;
  gl_Position = vec4(s.x / u_size.x * 2.0 - 1.0, 1.0 - s.y / u_size.y * 2.0, 0.0, 1.0);
}`;
const QUAD_FS = `#version 300 es
precision mediump float;
uniform sampler2D u_tex;
in vec2 v_uv;
out vec4 o;
void main() { o = texture(u_tex, v_uv); }`;

export class GlPoints implements PointLayer {
  readonly kind = 'webgl2';
  private readonly points: WebGLProgram;
  private readonly quad: WebGLProgram;
  private readonly xyBuf: WebGLBuffer;
  private readonly styleBuf: WebGLBuffer;
  private readonly vao: WebGLVertexArrayObject;
  private readonly quadVao: WebGLVertexArrayObject;
  private readonly tex: WebGLTexture;
  private styleBytes = new Uint8Array(0);
  private ix: PointIndex | undefined;
  private style: PointStyle | undefined;
  /** The density texture's size, or null when it must be rebuilt. */
  private densityKey: string | null = null;
  private mipmapped = false;
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
    this.quad = program(gl, QUAD_VS, QUAD_FS);
    for (const [p, names] of [
      [this.points, ['u_map', 'u_size', 'u_side', 'u_pass', 'u_colours']],
      [this.quad, ['u_size', 'u_view', 'u_tex', 'u_rect']],
    ] as const)
      for (const name of names) this.loc[`${p === this.points ? 'p' : 'q'}.${name}`] = gl.getUniformLocation(p, name);
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
    this.quadVao = gl.createVertexArray()!;
    gl.bindVertexArray(null);
    this.tex = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    this.warmUp();
  }

  /** Draws each pipeline once, off screen: a software renderer compiles a pipeline at its first draw (hundreds of ms), not at a zoom. */
  private warmUp(): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.xyBuf);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array(2), gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.styleBuf);
    gl.bufferData(gl.ARRAY_BUFFER, new Uint8Array(2), gl.STATIC_DRAW);
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    gl.viewport(0, 0, 1, 1);
    gl.useProgram(this.points);
    gl.bindVertexArray(this.vao);
    gl.drawArrays(gl.POINTS, 0, 1);
    gl.useProgram(this.quad);
    gl.bindVertexArray(this.quadVao);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.bindVertexArray(null);
    this.sync();
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  setPoints(ix: PointIndex): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.xyBuf);
    gl.bufferData(gl.ARRAY_BUFFER, ix.sortedXY, gl.STATIC_DRAW);
    this.ix = ix;
    this.densityKey = null;
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
    this.densityKey = null;
  }

  render(f: Frame, lod: Lod, ranges: readonly [number, number][], density: () => Uint8Array): void {
    const { gl, canvas } = this;
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!this.style) return;
    if (lod === 'density') {
      const key = `${canvas.width}x${canvas.height}`;
      gl.bindTexture(gl.TEXTURE_2D, this.tex);
      if (this.densityKey !== key) {
        gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
        gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, canvas.width, canvas.height, 0, gl.RGBA, gl.UNSIGNED_BYTE, density());
        this.densityKey = key;
        this.mipmapped = false;
      }
      // trilinear filtering costs a software renderer twice the time: only when zoomed out past the fit,
      // where plain bilinear would drop points
      const minify = f.view.scale < 0.75;
      if (minify && !this.mipmapped) {
        gl.generateMipmap(gl.TEXTURE_2D);
        this.mipmapped = true;
      }
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, minify ? gl.LINEAR_MIPMAP_LINEAR : gl.LINEAR);
      gl.useProgram(this.quad);
      gl.uniform2f(this.loc['q.u_size'], f.w, f.h);
      gl.uniform3f(this.loc['q.u_view'], f.view.x, f.view.y, f.view.scale);
      gl.uniform1i(this.loc['q.u_tex'], 0);
      // only the rectangle that holds points: a software renderer pays for every pixel the quad covers
      const rect = this.ix ? pointsRect(this.ix, f) : [0, 0, 1, 1];
      gl.uniform4f(this.loc['q.u_rect'], rect[0], rect[1], rect[2], rect[3]);
      gl.bindVertexArray(this.quadVao);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
      gl.bindVertexArray(null);
      return;
    }
    gl.useProgram(this.points);
    gl.uniform3f(this.loc['p.u_map'], f.a, f.bx, f.by);
    gl.uniform2f(this.loc['p.u_size'], f.w, f.h);
    gl.uniform1f(this.loc['p.u_side'], Math.max(1, Math.round(2 * f.r * f.dpr)));
    const colours = new Float32Array((MUTED_SLOT + 1) * 4);
    for (let j = 0; j < colours.length; j++) colours[j] = this.style.rgba[j] / 255;
    gl.uniform4fv(this.loc['p.u_colours'], colours);
    gl.bindVertexArray(this.vao);
    for (const pass of this.style.emphasis ? [2, 0] : [0]) {
      gl.uniform1ui(this.loc['p.u_pass'], pass);
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

/** The data's bounds (plus a point) in the unzoomed image, as uv coordinates. */
function pointsRect(ix: PointIndex, f: Frame): number[] {
  const { minX, minY, w, h } = ix.bounds;
  const a0 = f.a / f.view.scale,
    bx0 = (f.bx - f.view.x) / f.view.scale,
    by0 = (f.by - f.view.y) / f.view.scale;
  const pad = f.r + 1;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  return [clamp((minX * a0 + bx0 - pad) / f.w), clamp((minY * a0 + by0 - pad) / f.h), clamp(((minX + w) * a0 + bx0 + pad) / f.w), clamp(((minY + h) * a0 + by0 + pad) / f.h)];
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
