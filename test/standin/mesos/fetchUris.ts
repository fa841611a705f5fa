// The Mesos fetcher, for the stand-in agent: copies or downloads each CommandInfo URI into the sandbox,
// extracts archives unless `extract` is false, and honours `executable`.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CommandURI } from '../../../src/core/mesos/types';

const execFileAsync = promisify(execFile);

const ARCHIVE_SUFFIXES = ['.tar', '.tar.gz', '.tgz', '.tar.bz2', '.tbz2', '.tar.xz', '.txz', '.zip'];
const isLoopback = (host: string): boolean => host === 'localhost' || host.startsWith('127.') || host === '[::1]' || host === '::1';

function download(url: string, dest: string, redirects = 5): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    if (!isLoopback(u.hostname)) {
      reject(new Error(`the stand-in fetcher only downloads from loopback addresses, not '${u.hostname}' (serve the file from 127.0.0.1)`));
      return;
    }
    const req = http.get(u, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        download(new URL(res.headers.location, u).toString(), dest, redirects - 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new Error(`Error downloading resource, received HTTP return code ${status}`));
        return;
      }
      const out = fs.createWriteStream(dest);
      res.pipe(out);
      out.on('finish', () => resolve());
      out.on('error', reject);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error('download timed out after 30 s')));
  });
}

/** Fetches one URI; returns log lines like the real fetcher writes into the sandbox's stderr. */
export async function fetchUri(uri: CommandURI, sandbox: string): Promise<string[]> {
  const log: string[] = [];
  const value = uri.value;
  if (!value) throw new Error('URI value must not be empty');
  let source: string;
  let isHttp = false;
  if (value.startsWith('http://') || value.startsWith('https://')) {
    if (value.startsWith('https://')) throw new Error(`the stand-in fetcher does not speak https: ${value}`);
    source = value;
    isHttp = true;
  } else if (value.startsWith('file://')) {
    source = decodeURIComponent(new URL(value).pathname);
  } else if (value.includes('://')) {
    throw new Error(`unsupported URI scheme in '${value}' (the stand-in fetches local paths, file:// and http:// from loopback)`);
  } else {
    source = value;
  }
  const baseName = uri.output_file ?? path.posix.basename(isHttp ? new URL(source).pathname : source);
  if (!baseName) throw new Error(`cannot tell a file name from '${value}'`);
  const dest = path.join(sandbox, baseName);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  log.push(`Fetching URI '${value}'`);
  if (isHttp) await download(source, dest);
  else {
    if (!path.isAbsolute(source)) throw new Error(`A relative path was passed for the resource but the Mesos framework home was not specified: '${value}'`);
    const st = fs.statSync(source, { throwIfNoEntry: false });
    if (!st) throw new Error(`Failed to fetch '${value}': no such file`);
    if (st.isDirectory()) fs.cpSync(source, dest, { recursive: true });
    else fs.copyFileSync(source, dest);
  }
  log.push(`Fetched '${value}' to '${dest}'`);
  if (uri.executable) {
    fs.chmodSync(dest, 0o755);
    return log;
  }
  const extract = uri.extract !== false;
  const lower = baseName.toLowerCase();
  if (extract && ARCHIVE_SUFFIXES.some((s) => lower.endsWith(s))) {
    if (lower.endsWith('.zip')) await execFileAsync('unzip', ['-o', '-q', dest, '-d', sandbox]);
    else await execFileAsync('tar', ['-C', sandbox, '-xf', dest]);
    log.push(`Extracted '${dest}' into '${sandbox}'`);
  } else if (extract && lower.endsWith('.gz')) {
    await execFileAsync('gzip', ['-d', '-f', '-k', dest]);
    log.push(`Extracted '${dest}' into '${sandbox}'`);
  }
  return log;
}
