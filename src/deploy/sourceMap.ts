// A small reader of source maps (version 3): maps a position in generated code back to the
// original file, line and column, so that findings in a bundle or in esbuild's TypeScript
// output point at the line a person wrote.

export interface OriginalPosition {
  /** As listed in the map's `sources` (relative to the map's location). */
  source: string;
  /** 0-based. */
  line: number;
  /** 0-based. */
  column: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

type Segment = [genColumn: number, source: number, line: number, column: number];

export class SourceMapReader {
  private readonly sources: string[];
  private readonly lines: Segment[][] = [];

  constructor(map: string | { sources: string[]; mappings: string; sourceRoot?: string }) {
    const raw =
      typeof map === 'string' ? (JSON.parse(map) as { sources: string[]; mappings: string; sourceRoot?: string }) : map;
    const root = raw.sourceRoot ? raw.sourceRoot.replace(/\/?$/, '/') : '';
    this.sources = raw.sources.map((s) => root + s);
    let source = 0;
    let line = 0;
    let column = 0;
    for (const groupText of raw.mappings.split(';')) {
      const segments: Segment[] = [];
      let genColumn = 0;
      for (const segText of groupText.split(',')) {
        if (!segText) continue;
        const values = decodeVlq(segText);
        genColumn += values[0];
        if (values.length >= 4) {
          source += values[1];
          line += values[2];
          column += values[3];
          segments.push([genColumn, source, line, column]);
        }
      }
      segments.sort((a, b) => a[0] - b[0]);
      this.lines.push(segments);
    }
  }

  /** The original position of a 0-based generated line and column, or undefined when unmapped. */
  originalFor(line: number, column: number): OriginalPosition | undefined {
    const segments = this.lines[line];
    if (!segments || segments.length === 0) return undefined;
    let best: Segment | undefined;
    for (const s of segments) {
      if (s[0] <= column) best = s;
      else break;
    }
    best ??= segments[0];
    const source = this.sources[best[1]];
    if (source === undefined) return undefined;
    // Within one mapped segment, columns advance one to one.
    return { source, line: best[2], column: best[3] + Math.max(0, column - best[0]) };
  }
}

function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = B64_INDEX.get(ch);
    if (digit === undefined) throw new Error('The source map is malformed.');
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** 0-based line and column of a character offset in a text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart };
}
