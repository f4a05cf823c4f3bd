import type { ScoringModel } from '../rules/score.ts';
import {
  type FoldResult,
  foldNameCompany,
  MovedMeanwhile,
  nameCompanyFor,
  pendingNameCompanies,
} from '../store/company-fold.ts';
import type { Db } from '../store/db.ts';
import { demandScorer } from './feature-score.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/**
 * A name-only company folded into the domain company its name stands for, each fold in its own unit of work (after
 * the triage that made the domain company committed, never inside it): the features its requests are on are
 * recounted and their issues re-pushed once it commits.
 */

const ATTEMPTS = 5;

export function createCompanyFolds({
  db,
  unitOfWork,
  scoring,
}: {
  db: Db;
  unitOfWork: UnitOfWork;
  scoring: ScoringModel;
}) {
  const scoreDemand = demandScorer(scoring);
  async function fold(nameCompanyId: string): Promise<FoldResult | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await unitOfWork(async (work) => {
          const folded = await foldNameCompany(work.tx, nameCompanyId, scoreDemand);
          if (folded) work.after.push(folded.links);
          return folded;
        });
      } catch (err) {
        if (!(err instanceof MovedMeanwhile) || attempt >= ATTEMPTS) throw err;
      }
    }
  }

  return {
    /**
     * After a request resolved to this company: if it has a domain and a name, the name-only company of that name
     * (if any) is folded into the domain company that name stands for.
     */
    async foldNamesInto(companyId: string): Promise<FoldResult | undefined> {
      const named = await nameCompanyFor(db, companyId);
      return named ? fold(named) : undefined;
    },

    /**
     * Every name-only company that a domain company's name now stands for (one whose fold after triage was lost,
     * or whose domain company got its name later): folds each. The scheduled rescore runs this.
     */
    async foldPending(limit = 100): Promise<FoldResult[]> {
      const out: FoldResult[] = [];
      for (const id of await pendingNameCompanies(db, limit)) {
        const done = await fold(id);
        if (done) out.push(done);
      }
      return out;
    },
  };
}

export type CompanyFolds = ReturnType<typeof createCompanyFolds>;
