// TLS between the client and a JobManager's REST endpoint (security.ssl.rest.*): the certificate checks that fail, each
// named with its fix, and the probe that tells an https JobManager from a broken one when the client spoke plain http.
import * as tls from 'tls';

export interface RestTlsProblem { message: string; fix: string }

const NOT_SIGNED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE']);

/** The problem a TLS failure code stands for when the client calls `baseUrl`; undefined when the code is no TLS failure. */
export function restTlsProblem(baseUrl: string, code: string, message: string): RestTlsProblem | undefined {
  const url = new URL(baseUrl);
  if (NOT_SIGNED.has(code)) {
    return {
      message: `The JobManager at ${baseUrl} presents a certificate that the CA this client trusts did not sign (${code}: ${message}).`,
      fix: 'Give the CA that signed the JobManager\'s REST certificate (security.ssl.rest.keystore): --flink-rest-ca FILE on the command line, flinkMesos.flinkSsl.restCaFile in VS Code',
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      message: `The JobManager's certificate at ${baseUrl} is not issued for the host "${url.hostname}" (${message}).`,
      fix: `Issue the REST certificate with "${url.hostname}" (the agent's host name or address) in its subjectAltName, or address the JobManager by a name the certificate holds`,
    };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return {
      message: `The JobManager's certificate at ${baseUrl} is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'} (${message}).`,
      fix: 'Renew the REST certificate in security.ssl.rest.keystore (or check this machine\'s clock) and restart the session',
    };
  }
  if (url.protocol === 'https:' && (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO' || /wrong version number|packet length too long/i.test(message))) {
    const plain = `http://${url.host}${url.pathname === '/' ? '' : url.pathname}`;
    return {
      message: `${baseUrl} answers plain http, not https: the JobManager's REST endpoint has no TLS (security.ssl.rest.enabled is off).`,
      fix: `Use ${plain}, or start the session with REST TLS on (--flink-ssl-connections rest with --flink-ssl-keystore)`,
    };
  }
  return undefined;
}

/** The answer for an http URL whose server redirects to https, or hung up and completes a TLS handshake on the same port. */
export function httpToHttpsProblem(baseUrl: string): RestTlsProblem {
  const url = new URL(baseUrl);
  return {
    message: `The JobManager at ${baseUrl} speaks https (REST TLS, security.ssl.rest.enabled), not plain http.`,
    fix: `Use https://${url.host}${url.pathname === '/' ? '' : url.pathname}, with --flink-rest-ca FILE when its certificate is signed by your own CA`,
  };
}

/** Whether host:port completes a TLS handshake (certificate not checked: this only asks which protocol it speaks). */
export function speaksTls(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: boolean): void => { if (done) return; done = true; clearTimeout(timer); socket.destroy(); resolve(v); };
    const socket = tls.connect({ host, port, rejectUnauthorized: false, servername: /^[\d.]+$|:/.test(host) ? undefined : host }, () => finish(true));
    socket.on('error', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
  });
}
