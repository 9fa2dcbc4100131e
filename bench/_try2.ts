import { measureRawInsert } from "./raw_insert.ts";
for (const store of ["sqlite", "mysql"] as const) for (const batch of [128, 1000]) {
  console.log(await measureRawInsert(store, { rows: 50000, batch, textSize: 64, mysqlAdminUrl: "mysql://root@127.0.0.1:3306/" }));
}
