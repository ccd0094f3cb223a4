import { describe, expect, it } from 'vitest';
import { EventBroadcaster } from '../../../sw/api/EventBroadcaster.ts';
import { EVENTS_CHANNEL, type CacheEvent, type EventsMessage } from '../../../sw/protocol.ts';

const hit = (i: number): CacheEvent => ({ type: 'hit', at: i, url: `https://app.test/${i}.png`, bytes: i });

describe('EventBroadcaster', () => {
  it('postsBufferedEventsAsOneBatchAndResolvesWhenFlushed', async () => {
    const listener = new BroadcastChannel(EVENTS_CHANNEL);
    const received: EventsMessage[] = [];
    listener.onmessage = (e) => received.push(e.data as EventsMessage);
    const b = new EventBroadcaster(20);
    for (let i = 0; i < 5; i++) b.push(hit(i));
    await b.whenFlushed();
    await new Promise((r) => setTimeout(r, 20));
    listener.close();
    expect(received).toHaveLength(1);
    expect(received[0]!.events.map((e) => e.at)).toEqual([0, 1, 2, 3, 4]);
    await expect(b.whenFlushed()).resolves.toBeUndefined(); // nothing buffered: resolves at once
  });

  it('dropsAndCountsEventsBeyondTheBatchLimit', async () => {
    const b = new EventBroadcaster(10, 3);
    for (let i = 0; i < 5; i++) b.push(hit(i));
    expect(b.dropped).toBe(2);
    await b.whenFlushed();
  });
});
