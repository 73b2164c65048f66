// The policy pack as the Pulumi CLI loads it: `pulumi preview --policy-pack policies`.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./rules";

new PolicyPack(PACK_NAME, { enforcementLevel: "mandatory", policies });
