import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface TlsFiles {
  /** the test CA's certificate (what clients trust) */
  ca: string;
  /** server certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1), signed by the CA, and its key */
  serverCert: string;
  serverKey: string;
  /** a client certificate signed by the CA (CN=park-gateway), and its key */
  clientCert: string;
  clientKey: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/** A throw-away CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl in `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  const f = (n: string) => join(dir, n);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=park test CA', '-keyout', f('ca.key'), '-out', f('ca.crt')], dir);
  const leaf = (name: string, cn: string, ext: string) => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`)], dir);
    execFileSync('sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
    openssl(['x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`)], dir);
  };
  leaf('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1');
  leaf('client', 'park-gateway', 'extendedKeyUsage=clientAuth');
  return { ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key') };
}
