import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { registerUser } from '../../../test/worker/helpers';
import { connect, createRoom, roomOf } from '../../../test/worker/sockets';

it('experiment', async () => {
  console.log('ANALYTICS', typeof env.ANALYTICS, env.ANALYTICS && Object.getOwnPropertyNames(Object.getPrototypeOf(env.ANALYTICS)), String(env.ANALYTICS));
  console.log('write returns', env.ANALYTICS?.writeDataPoint({ indexes: ['x'], blobs: ['a'], doubles: [1] }));
  const user = await registerUser();
  const room = await createRoom(user);
  const points: unknown[] = [];
  await runInDurableObject(roomOf(room.id), (instance) => {
    const desc = Object.getOwnPropertyDescriptor(instance, 'env');
    console.log('env descriptor', desc && { writable: desc.writable, configurable: desc.configurable });
    const own = (instance as unknown as { env: Env }).env;
    Reflect.set(instance, 'env', { ...own, ANALYTICS: { writeDataPoint: (p: unknown) => points.push(p) } });
    console.log('set ok', (instance as unknown as { env: Env }).env.ANALYTICS !== own.ANALYTICS);
  });
  const { socket } = await connect(user, room.id);
  socket.send({ type: 'send', clientId: 'c1', text: 'hello' });
  await socket.next('ack');
  socket.send('not json');
  await socket.closed;
  await new Promise((r) => setTimeout(r, 100));
  console.log('points', JSON.stringify(points));
  expect(1).toBe(1);
});
