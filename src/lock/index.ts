/**
 * The deploy lock: one deploy per model at a time, across runs, runners and machines.
 *
 * A JSON object at `_common/.deploy-lock.json` in the model's bucket names its holder. It is taken with S3
 * conditional writes: `PutObject` with `If-None-Match: *` creates it only when absent; an expired lock is replaced
 * with `If-Match: <its ETag>`; the holder renews it (heartbeat) with `If-Match: <our ETag>` and releases it with a
 * conditional `DeleteObject` (`If-Match: <our ETag>`), so a run never deletes or overwrites a lock it does not hold.
 * S3 answers 412 PreconditionFailed when a condition fails and 409 ConditionalRequestConflict when two conditional
 * requests race; both mean "someone else got there first": read the lock again.
 *
 * Expiry is judged on S3's clock only: a lock is expired when the `Date` of S3's answer is past its `LastModified`
 * plus the holder's TTL, so runners with skewed clocks agree. A crashed run's lock therefore frees itself after its
 * TTL; a live holder rewrites it every TTL/3. A holder whose renewals keep failing (network errors, a hung request)
 * stops writing: `assertHeld()` throws once no write of the lock is known to have landed for the TTL less a margin,
 * since S3 may then deem it expired and another run may take it.
 *
 * Every write carries a random token. After a write whose answer was lost (the SDK retried and S3 answered 412),
 * reading the lock back and finding our token tells us the write did happen. After taking the lock, we wait a
 * moment and read it back: on S3 this always finds our token (the conditional write is atomic); it also protects
 * against stores whose conditional check is not atomic with the write (moto 5.2.1 checks, then writes, in a
 * threaded server), where two racing creates could both be answered 200.
 *
 * Permissions: s3:GetObject, s3:PutObject and s3:DeleteObject on `<bucket>/_common/.deploy-lock.json`
 * (a conditional delete with an ETag needs s3:GetObject too).
 *
 * Files, each using only those before it: body.ts (the lock object), store.ts (reading and writing it on S3),
 * held-lock.ts (the heartbeat, isHeld / assertHeld, release), acquire.ts (taking it).
 */
export { describeHolder, holderTtlSeconds, parseBody, type HolderBody, type LockBody, type LockOwner } from './body.ts';
export { LOCK_KEY } from './store.ts';
export { safeHoldSeconds, type DeployLock } from './held-lock.ts';
export { acquireDeployLock, type DeployLockOptions } from './acquire.ts';
