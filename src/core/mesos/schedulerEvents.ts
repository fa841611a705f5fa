// The scheduler client's typed events from the stream's OFFERS, RESCIND, INVERSE_OFFERS, RESCIND_INVERSE_OFFER, UPDATE,
// FAILURE and MESSAGE (SUBSCRIBED, HEARTBEAT and ERROR change the client's state and stay in SchedulerClient.ts).
import type { Logger } from '../log';
import type { Event } from './types';
import type { SchedulerClientEvents } from './schedulerTypes';

type Emit = <K extends keyof SchedulerClientEvents>(name: K, ...args: SchedulerClientEvents[K]) => void;

/** Emits the typed event for one of these event types; false for any other type. */
export function emitTypedEvent(event: Event, emit: Emit, log: Logger): boolean {
  switch (event.type) {
    case 'OFFERS': {
      const offers = event.offers?.offers ?? [];
      log.debug(`mesos < OFFERS ${offers.map((o) => `${o.id.value}@${o.hostname}`).join(', ')}`);
      emit('offers', offers);
      break;
    }
    case 'RESCIND':
      log.debug(`mesos < RESCIND ${event.rescind?.offer_id?.value}`);
      if (event.rescind?.offer_id?.value) emit('rescind', event.rescind.offer_id.value);
      break;
    case 'INVERSE_OFFERS': {
      const list = event.inverse_offers?.inverse_offers ?? [];
      log.debug(`mesos < INVERSE_OFFERS ${list.map((o) => `${o.id.value}@${o.agent_id?.value ?? '?'}`).join(', ')}`);
      emit('inverseOffers', list);
      break;
    }
    case 'RESCIND_INVERSE_OFFER':
      log.debug(`mesos < RESCIND_INVERSE_OFFER ${event.rescind_inverse_offer?.inverse_offer_id?.value}`);
      if (event.rescind_inverse_offer?.inverse_offer_id?.value) emit('rescindInverseOffer', event.rescind_inverse_offer.inverse_offer_id.value);
      break;
    case 'UPDATE': {
      const status = event.update?.status;
      log.debug(`mesos < UPDATE ${status?.task_id?.value} ${status?.state}${status?.message ? ` "${status.message}"` : ''}${status?.uuid ? '' : ' (no uuid)'}`);
      if (status) emit('update', status);
      break;
    }
    case 'FAILURE':
      log.debug(`mesos < FAILURE ${JSON.stringify(event.failure)}`);
      if (event.failure) emit('failure', event.failure);
      break;
    case 'MESSAGE':
      if (event.message) emit('message', event.message);
      break;
    default:
      return false;
  }
  return true;
}
