import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/**
 * One chat room or coworking session (SPEC §4): its sockets, presence, timer
 * and recent history. The binding and its SQLite storage are declared now so
 * the deployment's Durable Object migrations start at v1 with this class; the
 * realtime protocol itself arrives with the rooms feature, and no route
 * reaches this object before then.
 */
export class Room extends DurableObject<Env> {}
