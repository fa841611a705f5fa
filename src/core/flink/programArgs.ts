// Program arguments arrive as one line of text (a form field, a setting) and go to Flink as `programArgsList`.
// Splitting follows POSIX shell quoting so that what users paste from a terminal means the same here.

export class ProgramArgsError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = 'ProgramArgsError';
  }
}

/**
 * Splits `text` into arguments like a POSIX shell does, without expansions:
 * - unquoted whitespace separates arguments;
 * - '...' keeps everything literally;
 * - "..." keeps everything except that \" \\ \$ and \` are unescaped;
 * - a backslash outside quotes escapes the next character (backslash-newline joins lines);
 * - '' and "" give an empty argument.
 * Unbalanced quotes and a trailing lone backslash throw a ProgramArgsError naming the position and the fix.
 */
export function splitProgramArgs(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false; // true once the current argument has started, even if it is still empty ("")
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inArg) {
        args.push(current);
        current = '';
        inArg = false;
      }
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) {
        throw new ProgramArgsError(
          `Program arguments have an unbalanced single quote at position ${i + 1}: ${excerpt(text, i)}. ` +
            `Close the quote, or escape a literal quote as \\' (or put it inside double quotes).`,
          i,
        );
      }
      current += text.slice(i + 1, end);
      inArg = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1])) {
          if (text[i + 1] !== '\n') current += text[i + 1];
          i += 2;
          continue;
        }
        current += d;
        i++;
      }
      if (!closed) {
        throw new ProgramArgsError(
          `Program arguments have an unbalanced double quote at position ${start + 1}: ${excerpt(text, start)}. ` +
            `Close the quote, or escape a literal quote as \\" (or put it inside single quotes).`,
          start,
        );
      }
      inArg = true;
    } else if (c === '\\') {
      if (i + 1 >= text.length) {
        throw new ProgramArgsError(
          `Program arguments end with a lone backslash. Remove it, or write \\\\ for a literal backslash.`,
          i,
        );
      }
      if (text[i + 1] !== '\n') {
        current += text[i + 1];
        inArg = true;
      }
      i += 2;
    } else {
      current += c;
      inArg = true;
      i++;
    }
  }
  if (inArg) args.push(current);
  return args;
}

/** Quotes arguments so that splitProgramArgs(joinProgramArgs(a)) equals a. For display and for copying to a terminal. */
export function joinProgramArgs(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

function quoteArg(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The single `programArgs` string for old JobManagers that do not know `programArgsList`.
 * Flink splits it with a regex that understands plain "..." and '...' (no escapes), so an argument that holds
 * both kinds of quote cannot be passed that way.
 */
export function toLegacyProgramArgs(args: readonly string[]): string {
  return args
    .map((arg) => {
      if (arg !== '' && !/[\s"']/.test(arg)) return arg;
      if (!arg.includes('"')) return `"${arg}"`;
      if (!arg.includes("'")) return `'${arg}'`;
      throw new ProgramArgsError(
        `The argument ${JSON.stringify(arg)} holds both ' and ", which this old JobManager's programArgs cannot carry. ` +
          `Upgrade Flink to a version with programArgsList (1.7 or later) or change the argument.`,
        0,
      );
    })
    .join(' ');
}

function excerpt(text: string, at: number): string {
  const from = Math.max(0, at - 10);
  const to = Math.min(text.length, at + 20);
  return `${from > 0 ? '…' : ''}${text.slice(from, to)}${to < text.length ? '…' : ''}`;
}
