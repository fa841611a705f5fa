// The error of a bad session option: the option, the problem and the fix (its own file, so option checks in other files
// can throw it without importing SessionOptions.ts).
export class SessionOptionError extends Error {
  constructor(readonly option: string, problem: string, readonly fix: string) {
    super(`${option}: ${problem} ${fix}`);
    this.name = 'SessionOptionError';
  }
}
