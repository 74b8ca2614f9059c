/**
 * Where real Xen would itself follow a bad pointer while it loads a payload (the address of a
 * section it never loaded, a read past its copy of the upload or past the payload's memory), the
 * host crashes and no errno ever reaches the tool. The simulator cannot crash: its loader throws
 * this inside and answers the upload with an errno instead (load-payload.ts says which).
 */
export class XenFault extends Error {
  constructor(what: string) {
    super(`Xen would fault: ${what}`);
    this.name = 'XenFault';
  }
}
