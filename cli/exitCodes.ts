/** Exit codes of `npm run plan`: 0 fine; 1 mandatory policy violations; 2 invalid arguments, config or --out; 3 the program itself cannot be deployed. */
export const EXIT = { ok: 0, policy: 1, invalid: 2, programFailed: 3 } as const;
