// Inline comments that silence the linter, in any comment syntax (//, #, /* */, <!-- -->):
//   cloudxlr-ignore-line       on the line of the finding
//   cloudxlr-ignore-next-line  on the line before it
//   cloudxlr-ignore-file       anywhere in the file: nothing in the file is reported

export const IGNORE_LINE = 'cloudxlr-ignore-line';
export const IGNORE_NEXT_LINE = 'cloudxlr-ignore-next-line';
export const IGNORE_FILE = 'cloudxlr-ignore-file';
export const IGNORE_MARK = 'cloudxlr-ignore-';
const MARK = IGNORE_MARK;

export interface IgnoreMarks {
  file: boolean;
  /** 0-based line numbers whose findings are ignored. */
  lines: Set<number>;
}

/** Offsets of every `cloudxlr-ignore-` in [from, to) (a marker may end after `to`). */
export function markOffsets(text: string, from = 0, to = text.length): number[] {
  const out: number[] = [];
  const start = Math.max(0, from);
  // Search [from, to + marker length) only, so a small window costs a small search.
  const window = start === 0 && to >= text.length ? text : text.slice(start, Math.min(text.length, to + MARK.length));
  for (let i = window.indexOf(MARK); i >= 0 && start + i < to; i = window.indexOf(MARK, i + 1)) out.push(start + i);
  return out;
}

/** Ignore marks from known marker offsets (see `markOffsets`). */
export function ignoreMarksAt(
  text: string,
  offsets: readonly number[],
  lineOf: (offset: number) => number,
): IgnoreMarks {
  const marks: IgnoreMarks = { file: false, lines: new Set() };
  for (const i of offsets) {
    if (text.startsWith(IGNORE_FILE, i)) {
      marks.file = true;
      return marks;
    }
    if (text.startsWith(IGNORE_NEXT_LINE, i)) marks.lines.add(lineOf(i) + 1);
    else if (text.startsWith(IGNORE_LINE, i)) marks.lines.add(lineOf(i));
  }
  return marks;
}
