/**
 * Address bans: networks (IPv4/IPv6, CIDR) refused at accept time, before `welcome`,
 * stored first (they survive restarts), kept in memory for the accept path, ending on time
 * without a restart (a ban past its `until` no longer matches and is no longer listed).
 * Imposing one also closes the open sessions from its network with `banned`. In a cluster,
 * each ban imposed or lifted here is announced once stored; the other instances apply it
 * in memory ({@linkcode AddressBans.applyStored}, {@linkcode AddressBans.forgetStored}).
 */
import type { AddressBanRecord, Store } from "../../store/store.ts";
import type { Clock } from "../../common/clock.ts";
import type { ClusterLink } from "../chat/cluster_link.ts";
import {
  contains,
  formatNetwork,
  type IpNetwork,
  parseAddress,
  parseNetwork,
} from "./ip_network.ts";

export type { AddressBanRecord };

/** Most address bans kept (a new one past it is refused): the accept path scans them. */
export const MAX_ADDRESS_BANS = 10_000;

interface Entry {
  record: AddressBanRecord;
  network: IpNetwork;
}

/** A ban to impose; see {@linkcode AddressBans.add}. */
export interface NewAddressBan {
  /** An address or CIDR network as typed; checked by {@linkcode parseNetwork}. */
  address: string;
  /** How long; null for ever. */
  durationMs: number | null;
  reason: string;
  by: string;
}

/** The address bans in force; see the module doc. */
export class AddressBans {
  #store: Store;
  #clock: Clock;
  #cluster: ClusterLink | null;
  #entries = new Map<number, Entry>();

  private constructor(store: Store, clock: Clock, cluster: ClusterLink | null) {
    this.#store = store;
    this.#clock = clock;
    this.#cluster = cluster;
  }

  /**
   * Loads the stored bans (expired ones are skipped). `cluster`: the instances told of
   * the bans imposed and lifted here (null when this server runs alone).
   */
  static async load(
    store: Store,
    clock: Clock,
    cluster: ClusterLink | null = null,
  ): Promise<AddressBans> {
    const bans = new AddressBans(store, clock, cluster);
    const now = clock();
    for (const record of await store.listAddressBans()) {
      const network = parseNetwork(record.address);
      if ("error" in network || _expired(record, now)) continue;
      bans.#entries.set(record.id, { record, network });
    }
    return bans;
  }

  /** The ban covering `host` (a connection's address), or null. */
  match(host: string): AddressBanRecord | null {
    if (this.#entries.size === 0) return null;
    const address = parseAddress(host);
    if (address === null) return null;
    const now = this.#clock();
    for (const [id, entry] of this.#entries) {
      if (_expired(entry.record, now)) {
        this.#entries.delete(id);
        continue;
      }
      if (contains(entry.network, address)) return entry.record;
    }
    return null;
  }

  /** The bans in force, oldest first. */
  list(): AddressBanRecord[] {
    const now = this.#clock();
    return [...this.#entries.values()].map((e) => e.record).filter((r) => !_expired(r, now));
  }

  /**
   * Stores and applies a ban: the record, or a sentence saying why the address is not
   * acceptable (or the list is full). A store failure is thrown and changes nothing.
   */
  async add(ban: NewAddressBan): Promise<AddressBanRecord | { error: string }> {
    const network = parseNetwork(ban.address.trim());
    if ("error" in network) return network;
    if (this.list().length >= MAX_ADDRESS_BANS) {
      return { error: `There are already ${MAX_ADDRESS_BANS} address bans; lift some first.` };
    }
    const at = this.#clock();
    const record = await this.#store.addAddressBan({
      address: formatNetwork(network),
      until: ban.durationMs === null ? null : at + ban.durationMs,
      reason: ban.reason,
      by: ban.by,
      at,
    });
    this.#entries.set(record.id, { record, network });
    await this.#cluster?.announce({ type: "address_ban", ban: { ...record } });
    return record;
  }

  /**
   * Applies a ban another instance stored (memory only); false when its address does not
   * parse (then nothing changes). The caller closes the sessions it covers.
   */
  applyStored(record: AddressBanRecord): boolean {
    const network = parseNetwork(record.address);
    if ("error" in network) return false;
    this.#entries.set(record.id, { record: { ...record }, network });
    return true;
  }

  /** Forgets a ban another instance lifted. */
  forgetStored(id: number): void {
    this.#entries.delete(id);
  }

  /** Lifts a ban (store first); the lifted record, or null when there was none in force. */
  async remove(id: number): Promise<AddressBanRecord | null> {
    const entry = this.#entries.get(id);
    const removed = await this.#store.deleteAddressBan(id);
    this.#entries.delete(id);
    if (removed) await this.#cluster?.announce({ type: "address_unban", id });
    if (!entry || !removed || _expired(entry.record, this.#clock())) return null;
    return entry.record;
  }
}

function _expired(record: AddressBanRecord, now: number): boolean {
  return record.until !== null && record.until <= now;
}
