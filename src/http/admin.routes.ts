import { Router } from 'express';
import { requireAdmin } from './auth.ts';

/** Operator actions, behind ADMIN_TOKEN. An API key is recognised but not allowed (403). */
export function adminRouter({
  adminToken,
  apiKeys,
  reconcile,
}: {
  adminToken: string | undefined;
  apiKeys: readonly string[];
  reconcile: () => Promise<unknown>;
}) {
  const router = Router();
  router.use('/v1/admin', requireAdmin(adminToken, apiKeys));

  // Run the reconciler now instead of waiting for its interval (after restoring Redis, say).
  router.post('/v1/admin/reconcile', async (_req, res) => {
    res.json({ reconciled: await reconcile() });
  });
  return router;
}
