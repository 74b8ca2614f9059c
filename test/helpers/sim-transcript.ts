/**
 * Every xen-livepatch command of a session recorded on a real Xen 4.17.7 under QEMU (hypervisor
 * build-id 151b373fd64b321593bf987fd923cd10dabadac4), in order: argv, stdout, stderr, exit status
 * and the hypervisor console lines the command caused. The payload files were in /tmp on that host.
 * Payloads: xenlab1 (depends on Xen), xenlab2 (depends on xenlab1), xenlab3 (depends on Xen,
 * .modinfo XSA=999 and VERSION=1), xenlab-badid (.livepatch.xen_depends of another Xen).
 */
export const TRANSCRIPT_XEN_VERSION = '4.17.7';
export const TRANSCRIPT_BUILD_ID = '151b373fd64b321593bf987fd923cd10dabadac4';

export interface Recorded {
  readonly argv: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: number;
  readonly console: readonly string[];
}

export const RECORDED: readonly Recorded[] = [
  { argv: ["list"], stdout: "Nothing to list\n", stderr: "", exit: 0, console: [] },
  { argv: ["upload", "xenlab1", "/tmp/xenlab1.livepatch"], stdout: "Uploading /tmp/xenlab1.livepatch... completed\n", stderr: "", exit: 0, console: [] },
  { argv: ["upload", "xenlab2", "/tmp/xenlab2.livepatch"], stdout: "Uploading /tmp/xenlab2.livepatch... completed\n", stderr: "", exit: 0, console: [] },
  { argv: ["upload", "xenlab3", "/tmp/xenlab3.livepatch"], stdout: "Uploading /tmp/xenlab3.livepatch... completed\n", stderr: "", exit: 0, console: [] },
  { argv: ["list"], stdout: " ID                                     | status     | metadata\n----------------------------------------+------------+---------------\nxenlab1                                 | CHECKED    | \nxenlab2                                 | CHECKED    | \nxenlab3                                 | CHECKED    | XSA=999;VERSION=1\n", stderr: "", exit: 0, console: [] },
  { argv: ["apply", "xenlab2"], stdout: "Applying xenlab2... failed\n", stderr: "Error 22: Invalid argument\n", exit: 1, console: ["(XEN) livepatch: xenlab2: check against hypervisor build-id failed"] },
  { argv: ["apply", "xenlab2", "--nodeps"], stdout: "Applying xenlab2... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab2: Verifying enabled expectations for all functions", "(XEN) livepatch: xenlab2: Applying 1 functions", "(XEN) livepatch: xenlab2 finished APPLY with rc=0"] },
  { argv: ["revert", "xenlab2"], stdout: "Reverting xenlab2... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab2: Reverting", "(XEN) livepatch: xenlab2 finished REVERT with rc=0"] },
  { argv: ["apply", "xenlab1"], stdout: "Applying xenlab1... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab1: Verifying enabled expectations for all functions", "(XEN) livepatch: xenlab1: Applying 1 functions", "(XEN) livepatch: xenlab1 finished APPLY with rc=0"] },
  { argv: ["apply", "xenlab2"], stdout: "Applying xenlab2... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab2: Verifying enabled expectations for all functions", "(XEN) livepatch: xenlab2: Applying 1 functions", "(XEN) livepatch: xenlab2 finished APPLY with rc=0"] },
  { argv: ["list"], stdout: " ID                                     | status     | metadata\n----------------------------------------+------------+---------------\nxenlab1                                 | APPLIED    | \nxenlab2                                 | APPLIED    | \nxenlab3                                 | CHECKED    | XSA=999;VERSION=1\n", stderr: "", exit: 0, console: [] },
  { argv: ["revert", "xenlab1"], stdout: "Reverting xenlab1... failed\n", stderr: "Error 16: Device or resource busy\n", exit: 2, console: ["(XEN) livepatch: xenlab1: can't unload. Top is xenlab2"] },
  { argv: ["list"], stdout: " ID                                     | status     | metadata\n----------------------------------------+------------+---------------\nxenlab1                                 | APPLIED    | \nxenlab2                                 | APPLIED    | \nxenlab3                                 | CHECKED    | XSA=999;VERSION=1\n", stderr: "", exit: 0, console: [] },
  { argv: ["unload", "xenlab1"], stdout: "", stderr: "xenlab1 is in the wrong state.\nCurrent state: APPLIED\nExpected state: CHECKED\n", exit: 1, console: [] },
  { argv: ["apply", "xenlab1"], stdout: "No action needed.\n", stderr: "", exit: 0, console: [] },
  { argv: ["revert", "nosuchpatch"], stdout: "", stderr: "Failed to get status of nosuchpatch.\nError 2: No such file or directory\n", exit: 1, console: [] },
  { argv: ["revert", "xenlab3"], stdout: "No action needed.\n", stderr: "", exit: 0, console: [] },
  { argv: ["upload", "xenlab1", "/tmp/xenlab1.livepatch"], stdout: "Uploading /tmp/xenlab1.livepatch... failed\n", stderr: "Error 17: File exists\n", exit: 1, console: [] },
  { argv: ["upload", "xenlab1copy", "/tmp/xenlab1.livepatch"], stdout: "Uploading /tmp/xenlab1.livepatch... failed\n", stderr: "Error 17: File exists\n", exit: 1, console: [] },
  { argv: ["replace", "xenlab2"], stdout: "No action needed.\n", stderr: "", exit: 0, console: [] },
  { argv: ["revert", "xenlab2"], stdout: "Reverting xenlab2... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab2: Reverting", "(XEN) livepatch: xenlab2 finished REVERT with rc=0"] },
  { argv: ["replace", "xenlab2"], stdout: "Replacing all live patches with xenlab2... failed\n", stderr: "Error 22: Invalid argument\n", exit: 1, console: ["(XEN) livepatch: xenlab2: check against hypervisor build-id failed"] },
  { argv: ["revert", "xenlab1"], stdout: "Reverting xenlab1... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab1: Reverting", "(XEN) livepatch: xenlab1 finished REVERT with rc=0"] },
  { argv: ["list"], stdout: " ID                                     | status     | metadata\n----------------------------------------+------------+---------------\nxenlab1                                 | CHECKED    | \nxenlab2                                 | CHECKED    | \nxenlab3                                 | CHECKED    | XSA=999;VERSION=1\n", stderr: "", exit: 0, console: [] },
  { argv: ["apply", "xenlab1"], stdout: "Applying xenlab1... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab1: Verifying enabled expectations for all functions", "(XEN) livepatch: xenlab1: Applying 1 functions", "(XEN) livepatch: xenlab1 finished APPLY with rc=0"] },
  { argv: ["apply", "xenlab2"], stdout: "Applying xenlab2... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab2: Verifying enabled expectations for all functions", "(XEN) livepatch: xenlab2: Applying 1 functions", "(XEN) livepatch: xenlab2 finished APPLY with rc=0"] },
  { argv: ["replace", "xenlab3"], stdout: "Replacing all live patches with xenlab3... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab2: Reverting", "(XEN) livepatch: xenlab1: Reverting", "(XEN) livepatch: xenlab3: Verifying enabled expectations for all functions", "(XEN) livepatch: xenlab3: Applying 1 functions", "(XEN) livepatch: module metadata:", "(XEN) livepatch:   XSA=999", "(XEN) livepatch:   VERSION=1", "(XEN) livepatch: xenlab3 finished REPLACE with rc=0"] },
  { argv: ["list"], stdout: " ID                                     | status     | metadata\n----------------------------------------+------------+---------------\nxenlab1                                 | CHECKED    | \nxenlab2                                 | CHECKED    | \nxenlab3                                 | APPLIED    | XSA=999;VERSION=1\n", stderr: "", exit: 0, console: [] },
  { argv: ["apply", "xenlab1"], stdout: "Applying xenlab1... failed\n", stderr: "Error 22: Invalid argument\n", exit: 1, console: ["(XEN) livepatch: xenlab1: check against xenlab3 build-id failed"] },
  { argv: ["revert", "xenlab3"], stdout: "Reverting xenlab3... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab3: Reverting", "(XEN) livepatch: xenlab3 finished REVERT with rc=0"] },
  { argv: ["unload", "xenlab3"], stdout: "Unloading xenlab3... completed\n", stderr: "", exit: 0, console: [] },
  { argv: ["unload", "xenlab2"], stdout: "Unloading xenlab2... completed\n", stderr: "", exit: 0, console: [] },
  { argv: ["unload", "xenlab1"], stdout: "Unloading xenlab1... completed\n", stderr: "", exit: 0, console: [] },
  { argv: ["list"], stdout: "Nothing to list\n", stderr: "", exit: 0, console: [] },
  { argv: ["load", "/tmp/xenlab1.livepatch"], stdout: "Uploading /tmp/xenlab1.livepatch... completed\nApplying xenlab1... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab1: Verifying enabled expectations for all functions", "(XEN) livepatch: xenlab1: Applying 1 functions", "(XEN) livepatch: xenlab1 finished APPLY with rc=0"] },
  { argv: ["list"], stdout: " ID                                     | status     | metadata\n----------------------------------------+------------+---------------\nxenlab1                                 | APPLIED    | \n", stderr: "", exit: 0, console: [] },
  { argv: ["revert", "xenlab1"], stdout: "Reverting xenlab1... completed\n", stderr: "", exit: 0, console: ["(XEN) livepatch: xenlab1: Reverting", "(XEN) livepatch: xenlab1 finished REVERT with rc=0"] },
  { argv: ["unload", "xenlab1"], stdout: "Unloading xenlab1... completed\n", stderr: "", exit: 0, console: [] },
  { argv: ["upload", "badid", "/tmp/xenlab-badid.livepatch"], stdout: "Uploading /tmp/xenlab-badid.livepatch... failed\n", stderr: "Error 22: Invalid argument\n", exit: 1, console: ["(XEN) livepatch: badid: check against hypervisor build-id failed"] },
  { argv: ["list"], stdout: "Nothing to list\n", stderr: "", exit: 0, console: [] },
];
