import * as vscode from 'vscode';

export interface MesosCredentials { principal: string; secret: string }

const KEY_PREFIX = 'flinkMesos.credentials:';
const FLINK_SSL_PASSWORD_KEY = 'flinkMesos.flinkSslPassword';

/** Mesos credentials per master, kept only in SecretStorage (never in settings, state or logs). */
export class CredentialStore {
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChangeCredentials = this.changed.event;

  constructor(private readonly secrets: vscode.SecretStorage) {}

  /** Credentials for one master, or the ones saved for every master ("*"). */
  async get(master: string): Promise<MesosCredentials | undefined> {
    for (const key of [normalizeMaster(master), '*']) {
      const raw = await this.secrets.get(KEY_PREFIX + key);
      const parsed = raw ? parseCredentials(raw) : undefined;
      if (parsed) return parsed;
    }
    return undefined;
  }

  async set(master: string, credentials: MesosCredentials): Promise<void> {
    const key = normalizeMaster(master) || '*';
    await this.secrets.store(KEY_PREFIX + key, JSON.stringify(credentials));
    this.changed.fire(key);
  }

  /** The Flink TLS stores' password (flinkMesos.flinkSsl.*), one for every session started here. */
  getFlinkSslPassword(): Thenable<string | undefined> {
    return this.secrets.get(FLINK_SSL_PASSWORD_KEY);
  }

  async setFlinkSslPassword(password: string | undefined): Promise<void> {
    if (password) await this.secrets.store(FLINK_SSL_PASSWORD_KEY, password);
    else await this.secrets.delete(FLINK_SSL_PASSWORD_KEY);
  }

  async delete(master: string): Promise<void> {
    const key = normalizeMaster(master) || '*';
    await this.secrets.delete(KEY_PREFIX + key);
    this.changed.fire(key);
  }
}

export function normalizeMaster(master: string): string {
  return master.trim().replace(/\/+$/, '').toLowerCase();
}

function parseCredentials(raw: string): MesosCredentials | undefined {
  try {
    const v = JSON.parse(raw) as Partial<MesosCredentials>;
    return typeof v.principal === 'string' && typeof v.secret === 'string' ? { principal: v.principal, secret: v.secret } : undefined;
  } catch {
    return undefined;
  }
}
