#!/usr/bin/env node
// Checks sipedge's event socket with modesl, the FreeSWITCH ESL client for Node.js:
//   node modesl_check.js HOST PORT PASSWORD [SUBCLASS] [PROFILE]
// 1. connects and authenticates;
// 2. `api sofia status`: prints the body, which must be non-empty and not -ERR;
// 3. subscribes to CUSTOM SUBCLASS (default sofia::profile_start), runs
//    `api sofia profile PROFILE restart` (default profile "internal") and waits
//    up to 10 s for that event;
// 4. checks that a fresh connection with a wrong password is rejected.
// Exits 0 on success, 1 with a message on stderr otherwise.
'use strict';

const esl = require('modesl');

const TIMEOUT_MS = 10000;

function usage() {
  process.stderr.write('usage: node modesl_check.js HOST PORT PASSWORD [SUBCLASS] [PROFILE]\n');
  process.exit(2);
}

const [host, portText, password, subclass = 'sofia::profile_start', profile = 'internal'] = process.argv.slice(2);
if (!host || !portText || password === undefined) usage();
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535) usage();

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Resolves with the connection once authenticated; rejects on auth failure or socket error.
function connect(pass) {
  return new Promise((resolve, reject) => {
    const conn = new esl.Connection(host, port, pass);
    conn.on('error', (err) => reject(new Error(`connection error: ${err.message}`)));
    conn.on('esl::event::auth::fail', () => reject(new Error('authentication failed')));
    conn.on('esl::end', () => reject(new Error('connection closed before authentication')));
    conn.on('esl::ready', () => resolve(conn));
  });
}

function api(conn, command) {
  return new Promise((resolve) => conn.api(command, (res) => resolve(res.getBody() || '')));
}

function checkApiBody(command, body) {
  if (!body) throw new Error(`"api ${command}" returned an empty body`);
  if (body.startsWith('-ERR')) throw new Error(`"api ${command}" failed: ${body.trim()}`);
}

async function main() {
  const conn = await withTimeout(connect(password), `authentication to ${host}:${port}`);
  try {
    const status = await withTimeout(api(conn, 'sofia status'), 'the reply to "api sofia status"');
    process.stdout.write(status.endsWith('\n') ? status : status + '\n');
    checkApiBody('sofia status', status);

    const subscribed = await withTimeout(
      new Promise((resolve) => conn.events('plain', `CUSTOM ${subclass}`, (reply) => resolve(reply))),
      'the reply to "event plain CUSTOM ..."');
    const replyText = subscribed.getHeader('Reply-Text') || '';
    if (!replyText.startsWith('+OK')) throw new Error(`subscription refused: ${replyText}`);

    // modesl names CUSTOM events esl::event::CUSTOM::<Core-UUID>.
    const gotEvent = new Promise((resolve) => {
      const onEvent = (event) => {
        if (event.getHeader('Event-Subclass') !== subclass) return;
        conn.off('esl::event::CUSTOM::**', onEvent);
        resolve(event);
      };
      conn.on('esl::event::CUSTOM::**', onEvent);
    });
    const restartCommand = `sofia profile ${profile} restart`;
    const restart = await withTimeout(api(conn, restartCommand), `the reply to "api ${restartCommand}"`);
    process.stdout.write(restart.endsWith('\n') ? restart : restart + '\n');
    checkApiBody(restartCommand, restart);
    const event = await withTimeout(gotEvent, `a CUSTOM ${subclass} event`);
    process.stdout.write(`received CUSTOM ${subclass} event (profile-name: ${event.getHeader('profile-name')})\n`);
  } finally {
    conn.disconnect();
  }

  let wrongAccepted = false;
  try {
    const bad = await withTimeout(connect(`${password}-wrong`), 'the wrong-password rejection');
    wrongAccepted = true;
    bad.disconnect();
  } catch (err) {
    if (!/authentication failed|connection closed/.test(err.message)) throw err;
  }
  if (wrongAccepted) throw new Error('a wrong password was accepted');
  process.stdout.write('wrong password rejected\nmodesl check passed\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`modesl check failed: ${err.message}\n`);
    process.exit(1);
  });
