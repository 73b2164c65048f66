import Table from "cli-table3";

/** A compact text table (cli-table3). */
export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({
    head,
    style: { head: [], border: [], compact: true },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}
