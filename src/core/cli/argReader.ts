// Reading a command line's flags: "--flag value" and "--flag=value", one argument at a time, the same in every command.

/** A command line the user got wrong: exit code 2 with the usage. */
export class UsageError extends Error {}

export class ArgReader {
  private i = -1;
  /** The argument as typed. */
  arg = '';
  /** The flag's name: the argument, or its part before "=" for a "--flag=value". */
  name = '';
  private inline: string | undefined;

  constructor(private readonly args: readonly string[], private readonly missing: (flag: string) => Error = (flag) => new UsageError(`${flag} needs a value.`)) {}

  /** Moves to the next argument; false at the end. */
  next(): boolean {
    if (++this.i >= this.args.length) return false;
    const a = this.args[this.i];
    this.arg = a;
    // Only long flags take "=": "-Dkey=value" stays whole.
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    this.name = eq > 0 ? a.slice(0, eq) : a;
    this.inline = eq > 0 ? a.slice(eq + 1) : undefined;
    return true;
  }

  /** The flag's value: after its "=", or the next argument (consumed). */
  value(): string {
    if (this.inline !== undefined) return this.inline;
    const v = this.args[this.i + 1];
    if (v === undefined) throw this.missing(this.name);
    this.i++;
    return v;
  }

  /** The arguments after the current one. */
  rest(): string[] {
    return this.args.slice(this.i + 1);
  }

  /** The arguments from the current one on. */
  fromHere(): string[] {
    return this.args.slice(this.i);
  }
}
