// The errors the scheduler client makes of what a master (or something that is not one) answers: ERROR events and
// SUBSCRIBE answers no master sends.
import { STATUS_CODES } from 'node:http';
import { MesosError } from './MesosError';

/** Turns an ERROR event into the fatal error the user sees. */
export function errorEventToMesosError(message: string): MesosError {
  if (/failed over/i.test(message)) {
    return new MesosError('failedOver', `Another client subscribed with this framework id, so the master dropped this one (ERROR "${message}")`,
      'Only one client may drive a framework: close the other client (another window or CLI), or follow the session read-only.');
  }
  if (/has been removed|framework.*(not found|unknown)|torn down|completed/i.test(message)) {
    return new MesosError('frameworkRemoved', `The master removed this framework (ERROR "${message}"): its failover timeout passed or it was torn down`,
      'Its tasks are gone; forget the saved framework id and start a new session.');
  }
  if (/role/i.test(message)) {
    return new MesosError('roleRefused', `The master refused the framework's role (ERROR "${message}")`,
      'Use a role the master allows (see its --roles and ACLs), or leave the role empty to use the default role "*".');
  }
  return new MesosError('masterError', `The master refused the framework (ERROR "${message}")`,
    'Fix what the message names (user, principal, ACLs or framework options) and start again.');
}

/** What a master never sends to a SUBSCRIBE: an agent's answer, HTML, a 405 to POST. undefined for anything a master may answer. */
export function notAMaster(base: string, status: number, contentType: string | undefined, body: string): MesosError | undefined {
  if (status === 400 && /agent::Call/.test(body)) {
    return new MesosError('notMaster', `${base} is a Mesos agent, not a master (it answered SUBSCRIBE with ${status} "${firstLine(body)}")`,
      'Pass the address of the Mesos master with -m (port 5050 by default; agents listen on 5051).', { status });
  }
  const html = /html/i.test(contentType ?? '') || /^\s*</.test(body);
  if (html || status === 405) return notAMasterError(base, status, body);
  return undefined;
}

export function notAMasterError(base: string, status: number, body: string, extra = ''): MesosError {
  const line = firstLine(body);
  return new MesosError('notMaster', `${base} answers HTTP but is not a Mesos master (POST /api/v1/scheduler: ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() +
    `${extra ? ` ${extra}` : ''}${line ? `: "${line}"` : ''})`,
  'Pass the address of a Mesos master with -m (HOST:5050 by default).', { status });
}

/** The first line of a body with text in it, tags taken out, at most 120 characters. */
export function firstLine(body: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
  const text = (title ?? body.replace(/<[^>]*>/g, ' ')).split(/\r?\n/).map((l) => l.replace(/\s+/g, ' ').trim()).find((l) => l !== '') ?? '';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
