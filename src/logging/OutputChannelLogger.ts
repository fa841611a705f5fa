import * as vscode from 'vscode';
import { Logger, redact } from '../core/log';

/**
 * The "Flink on Mesos" log channel. Everything passes through redact(), and secrets the extension knows
 * (from SecretStorage) are masked literally as well, so they can never reach the channel.
 */
export class OutputChannelLogger implements Logger, vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private readonly secrets = new Set<string>();
  /** The last lines written (already masked), for diagnostics and the tests that look for leaked secrets. */
  readonly recentLines: string[] = [];
  /** The last error messages shown to the user (already masked). */
  readonly shownErrors: string[] = [];

  constructor(name = 'Flink on Mesos') {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  /** Masks this exact text wherever it would appear in a log line. */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }

  mask(text: string): string {
    let out = redact(text);
    for (const s of this.secrets) out = out.split(s).join('<redacted>');
    return out;
  }

  debug(message: string): void { this.channel.debug(this.keep(this.mask(message))); }
  info(message: string): void { this.channel.info(this.keep(this.mask(message))); }
  warn(message: string): void { this.channel.warn(this.keep(this.mask(message))); }
  error(message: string): void { this.channel.error(this.keep(this.mask(message))); }

  /** Shows an error message to the user: its first line, masked, with the fix when the error carries one. */
  showError(err: unknown, prefix = ''): string {
    const text = this.mask(prefix + errorText(err, this));
    this.shownErrors.push(text);
    if (this.shownErrors.length > 50) this.shownErrors.shift();
    void vscode.window.showErrorMessage(text);
    return text;
  }

  private keep(line: string): string {
    this.recentLines.push(line);
    if (this.recentLines.length > 2000) this.recentLines.splice(0, this.recentLines.length - 2000);
    return line;
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** The text to show a person for any thrown value: the first line, masked. */
export function errorText(err: unknown, logger?: OutputChannelLogger): string {
  const raw = err instanceof Error ? err.message : String(err);
  const maybeFix = (err as { fix?: unknown } | undefined)?.fix;
  const fix = typeof maybeFix === 'string' && maybeFix && !raw.includes(maybeFix) ? ` ${maybeFix}` : '';
  const text = (raw.split('\n')[0] ?? raw) + fix;
  return logger ? logger.mask(text) : redact(text);
}
