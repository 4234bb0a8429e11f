// One invocation as the runtime sees it: what the worker sends for it (logs, stdout/stderr,
// key requests, the result), each within a budget, and the answer built from that, redacted.
//
// Redaction happens here, in the server's process, never trusted to the worker. It covers
// every value the worker running this invocation has ever been given (`given`), not only this
// invocation's: a warm worker may have kept a value from before a rotation.

import type { FunctionLogEntry, InvokeResponse, LogLevel } from '../../../api';
import { Redactor, type NamedValue } from './redact';

/** One line a function logged: the contract's log entry. */
export type LogEntry = FunctionLogEntry;

/** What the runtime returns for an invocation: the contract's invoke answer. */
export type InvocationResult = InvokeResponse;

export interface InvocationLimits {
  maxLogBytes: number;
  maxLogEntries: number;
  maxMessageBytes: number;
  maxResultBytes: number;
  /** Nesting depth of a result (arrays and objects) at most. */
  maxResultDepth: number;
}

export type Outcome = { ok: true; json: string } | { ok: false; message: string; cut: boolean; stack?: string };

/** True when JSON text nests arrays/objects deeper than `max` (strings are skipped). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function cutText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… [cut at ${max} characters]` : text;
}

export class Invocation {
  private readonly logs: Array<{ time: string; level: LogLevel; message: string; cut: boolean }> = [];
  private logsDropped = false;
  private readonly stream = { out: '', err: '', cut: false };
  private outOfMemory = false;
  private readonly started = process.hrtime.bigint();

  constructor(
    readonly id: string,
    private readonly limits: InvocationLimits,
    /** Values this invocation resolved: redacted even if the worker never asked for them. */
    private readonly values: ReadonlyMap<string, string>,
  ) {}

  pushLog(level: LogLevel, message: string, cut: boolean): void {
    if (this.logs.length >= this.limits.maxLogEntries * 2) {
      this.logsDropped = true;
      return;
    }
    // The worker may send a little more than is kept (redaction first, then the cut), never more.
    const max = this.limits.maxMessageBytes * 4 + 128 * 1024;
    this.logs.push({
      time: new Date().toISOString(),
      level,
      message: message.slice(0, max),
      cut: cut || message.length > max,
    });
  }

  /** Text the worker wrote straight to stdout/stderr, kept up to twice the log budget. */
  pushStream(which: 'out' | 'err', data: string): void {
    const s = this.stream;
    const room = this.limits.maxLogBytes * 2 - s.out.length - s.err.length;
    if (room <= 0) {
      s.cut = true;
      return;
    }
    if (data.length > room) s.cut = true;
    s[which] += data.slice(0, room);
  }

  markOutOfMemory(): void {
    this.outOfMemory = true;
  }

  /** The answer, redacted against `given` (every value the worker has been handed) and this call's values. */
  finish(outcome: Outcome, given: readonly NamedValue[]): InvocationResult {
    const redactor = new Redactor([...[...this.values].map(([name, value]) => ({ name, value })), ...given]);
    if (outcome.ok) {
      const parsed = this.parseResult(outcome.json, redactor);
      if (parsed.ok) return this.answer('ok', parsed.value, redactor);
      return this.answer('error', null, redactor, parsed.message);
    }
    if (outcome.stack) this.pushLog('error', outcome.stack, outcome.cut);
    return this.answer('error', null, redactor, outcome.message, outcome.cut);
  }

  /** An answer for an invocation that never reached a worker. */
  fail(message: string): InvocationResult {
    return this.answer(
      'error',
      null,
      new Redactor([...this.values].map(([name, value]) => ({ name, value }))),
      message,
    );
  }

  private parseResult(json: string, redactor: Redactor): { ok: true; value: unknown } | { ok: false; message: string } {
    const { maxResultBytes, maxResultDepth } = this.limits;
    if (json.length > maxResultBytes) {
      return {
        ok: false,
        message: `The function's result is too large (${json.length} bytes; the limit is ${maxResultBytes}).`,
      };
    }
    if (jsonDepthExceeds(json, maxResultDepth)) {
      return {
        ok: false,
        message: `The function's result is nested more than ${maxResultDepth} levels deep; return a flatter value.`,
      };
    }
    // Redacting the JSON text covers every string and object key in one pass, without
    // walking the value (the JSON-escaped form of each value is one of the redacted forms).
    try {
      return { ok: true, value: JSON.parse(redactor.redact(json)) as unknown };
    } catch {
      return {
        ok: false,
        message: 'The function returned a result that is not JSON, or that could not be checked for key values.',
      };
    }
  }

  private answer(
    status: 'ok' | 'error',
    result: unknown,
    redactor: Redactor,
    message?: string,
    cut = false,
  ): InvocationResult {
    const out: InvocationResult = {
      status,
      result,
      logs: this.finishLogs(redactor),
      durationMs: Math.round(Number((process.hrtime.bigint() - this.started) / 1000n) / 10) / 100,
      requestId: this.id,
    };
    if (status === 'error')
      out.error = {
        message: cutText(redactor.redact(message ?? 'The function failed.', cut), this.limits.maxMessageBytes),
      };
    return out;
  }

  /** Redacts, then applies the limits, so that no cut ever splits a value before redaction. */
  private finishLogs(r: Redactor): LogEntry[] {
    const { maxMessageBytes, maxLogEntries, maxLogBytes } = this.limits;
    const entries: LogEntry[] = [];
    let bytes = 0;
    let dropped = this.logsDropped;
    const add = (time: string, level: LogLevel, raw: string, cut: boolean): void => {
      if (dropped) return;
      const message = cutText(r.redact(raw, cut), maxMessageBytes);
      if (entries.length >= maxLogEntries || bytes + message.length > maxLogBytes) {
        dropped = true;
        return;
      }
      bytes += message.length;
      entries.push({ time, level, message });
    };
    for (const l of this.logs) add(l.time, l.level, l.message, l.cut);
    // Anything written straight to stdout/stderr: redacted as a whole, then split in lines.
    const now = new Date().toISOString();
    // After an out-of-memory end, stderr holds only V8's diagnostics: the error says it all.
    const streams = this.outOfMemory
      ? ([['out', 'info']] as const)
      : ([
          ['out', 'info'],
          ['err', 'error'],
        ] as const);
    for (const [which, level] of streams) {
      const text = this.stream[which];
      if (!text) continue;
      for (const line of r.redact(text, this.stream.cut).split(/\r?\n/)) {
        if (line.trim()) add(now, level, line, false);
      }
    }
    if (dropped) {
      entries.push({
        time: now,
        level: 'warn',
        message: 'Further log output of this invocation was dropped: the log limit was reached.',
      });
    }
    return entries;
  }
}
