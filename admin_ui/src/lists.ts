/** The lists of the issue-15 routes; an older server answers 404 and they show "not available". */
import { signal } from "@preact/signals";
import type {
  AccountsPage,
  AddressBanView,
  InstancesView,
  ReportView,
  StaffView,
} from "../../lib/admin/api_types.ts";
import { api, query } from "./api.ts";
import { remote } from "./remote.ts";

/** Accounts page size. */
export const ACCOUNTS_PAGE = 50;
/** The accounts search text (kept across refreshes). */
export const accountQuery = signal("");
/** Which reports are listed. */
export const reportStatus = signal<"open" | "closed">("open");

/** `GET /api/accounts`: the first page for the current search. */
export const accounts = remote(() =>
  api<AccountsPage>(
    "GET",
    `/api/accounts${query({ query: accountQuery.value, limit: ACCOUNTS_PAGE })}`,
  )
);

/** Appends the next page of accounts (after the last name shown). */
export async function moreAccounts(): Promise<void> {
  const current = accounts.state.value;
  if (current.status !== "ready") return;
  const after = current.data.accounts.at(-1)?.user;
  const page = await api<AccountsPage>(
    "GET",
    `/api/accounts${query({ query: accountQuery.value, limit: ACCOUNTS_PAGE, after })}`,
  );
  accounts.state.value = {
    status: "ready",
    data: { accounts: [...current.data.accounts, ...page.accounts], more: page.more },
  };
}

/** `GET /api/staff`. */
export const staff = remote(async () =>
  (await api<{ staff: StaffView[] }>("GET", "/api/staff")).staff
);

/** `GET /api/reports?status=`. */
export const reports = remote(async () =>
  (await api<{ reports: ReportView[] }>("GET", `/api/reports?status=${reportStatus.value}`)).reports
);

/** `GET /api/address-bans`. */
export const addressBans = remote(async () =>
  (await api<{ bans: AddressBanView[] }>("GET", "/api/address-bans")).bans
);

/** `GET /api/instances`: the instances of the chat service (one process: itself). */
export const instances = remote(async () =>
  (await api<InstancesView>("GET", "/api/instances")).instances
);
