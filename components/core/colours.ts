/** The two slots of every model endpoint: a blue-green rollout moves the weight from one to the other. */
export const COLOURS = ["blue", "green"] as const;
export type Colour = (typeof COLOURS)[number];
