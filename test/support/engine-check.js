// Before the PostgreSQL and MariaDB projects: both servers must answer. A server that is down fails the run with the
// command that starts it (the machine's documented one); an engine is never skipped silently.
const { execFileSync } = require('child_process');

const CHECKS = [
  {
    name: 'PostgreSQL',
    command: ['psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-qAtc', 'select 1']],
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  {
    name: 'MariaDB',
    command: ['mariadb', ['-h', '127.0.0.1', '-u', 'root', '-e', 'select 1']],
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
];

module.exports = async function engineCheck() {
  for (const { name, command, start } of CHECKS) {
    try {
      execFileSync(command[0], command[1], { stdio: 'pipe', timeout: 10000 });
    } catch (error) {
      throw new Error(`${name} at 127.0.0.1 does not answer (${String(error.stderr || error.message).trim()}). Start it: ${start}`);
    }
  }
};
