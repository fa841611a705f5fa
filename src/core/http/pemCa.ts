// Reading a PEM CA file given by the user (Mesos masters' --ca-file, the JobManager's --flink-rest-ca): read once, up
// front, so a bad path fails before anything starts, with the flag and the fix named.
import * as fs from 'fs';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/** The file's PEM text; throws an Error naming `flag`, the problem and the fix (`whose` says whose certificates it signs). */
export function readPemCa(file: string, flag: string, whose: string): string {
  let ca: string;
  try {
    ca = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : code ?? String(e);
    throw new Error(`${flag}: the CA file ${file} cannot be read (${why}). Pass the PEM file of the CA that signed ${whose}.`);
  }
  if (!PEM_CERTIFICATE.test(ca)) {
    throw new Error(`${flag}: ${file} holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block). Pass the CA certificate in PEM form.`);
  }
  return ca;
}
