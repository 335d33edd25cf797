import type { TenantCommand } from './commands';
import { accept, reject, type DecideContext, type Decided, type Decider } from './decider';
import { DEFAULT_TENANT_SETTINGS, evidenceOf, type RecordedRef, type TenantEvent, type TenantSettings } from './events';
import type { Fact } from './subject';
import { instantMs, isInstant, isValidTimeZone } from './time';

export interface TenantSettingsFact extends Fact {
  settings: TenantSettings;
}

export interface TenantState {
  exists: boolean;
  tenantId: string | null;
  /** Every settings change, in stream order. */
  history: TenantSettingsFact[];
  revision: number;
}

export function initialTenantState(ids: { tenantId?: string } = {}): TenantState {
  return { exists: false, tenantId: ids.tenantId ?? null, history: [], revision: -1 };
}

/** The settings fact in force at `asOf` as known at `knownAt`, or null (defaults apply). */
export function settingsFactAt(tenant: TenantState | undefined, asOf: string, knownAt: string): TenantSettingsFact | null {
  if (!tenant) return null;
  const asOfMs = instantMs(asOf);
  const knownAtMs = instantMs(knownAt);
  let best: TenantSettingsFact | null = null;
  for (const fact of tenant.history) {
    if (!(instantMs(fact.recordedAt) <= knownAtMs) || !(instantMs(fact.effectiveAt) <= asOfMs)) continue;
    if (
      !best ||
      instantMs(fact.effectiveAt) > instantMs(best.effectiveAt) ||
      (instantMs(fact.effectiveAt) === instantMs(best.effectiveAt) && instantMs(fact.recordedAt) >= instantMs(best.recordedAt))
    ) {
      best = fact;
    }
  }
  return best;
}

/** A decision uses the settings in force at its `asOf` (API.md, Tenant settings). */
export function settingsAt(tenant: TenantState | undefined, asOf: string, knownAt: string): TenantSettings {
  return settingsFactAt(tenant, asOf, knownAt)?.settings ?? { ...DEFAULT_TENANT_SETTINGS };
}

/** H11, 45 CFR 164.530(j): documentation is retained for six years at least. */
export const MIN_RETENTION_YEARS = 6;

function evolveTenant(state: TenantState, event: TenantEvent, recorded?: RecordedRef): TenantState {
  if (event.type !== 'TenantSettingsChanged') {
    throw new TypeError(`unhandled tenant event ${JSON.stringify((event as { type?: unknown }).type)}`);
  }
  const { effectiveAt, recordedAt, timeZone, fundraisingStatementInNotice, retentionYears } = event.data;
  return {
    ...state,
    exists: true,
    revision: state.revision + 1,
    history: [
      ...state.history,
      { settings: { timeZone, fundraisingStatementInNotice, retentionYears }, effectiveAt, recordedAt, evidence: evidenceOf(recorded) },
    ],
  };
}

function invalidSetting<E>(field: string, message: string): Decided<E> {
  return reject({ code: 'InvalidTenantSettings', field, message });
}

function decideTenant(command: TenantCommand, _state: TenantState, context: DecideContext): Decided<TenantEvent> {
  if (command.type !== 'ChangeTenantSettings') {
    return reject({ code: 'InvalidCommand', field: 'type', message: 'unknown tenant command' });
  }
  const settings: TenantSettings = {
    timeZone: command.timeZone ?? DEFAULT_TENANT_SETTINGS.timeZone,
    fundraisingStatementInNotice: command.fundraisingStatementInNotice ?? DEFAULT_TENANT_SETTINGS.fundraisingStatementInNotice,
    retentionYears: command.retentionYears ?? DEFAULT_TENANT_SETTINGS.retentionYears,
  };
  if (!isValidTimeZone(settings.timeZone)) return invalidSetting('timeZone', 'not an IANA time zone');
  if (typeof settings.fundraisingStatementInNotice !== 'boolean') {
    return invalidSetting('fundraisingStatementInNotice', 'must be a boolean');
  }
  if (!Number.isInteger(settings.retentionYears) || settings.retentionYears < MIN_RETENTION_YEARS) {
    return invalidSetting('retentionYears', 'must be a whole number of years, at least 6 (45 CFR 164.530(j))');
  }
  const effectiveAt = command.effectiveAt ?? context.now;
  if (!isInstant(effectiveAt)) return reject({ code: 'InvalidCommand', field: 'effectiveAt', message: 'not an instant with a zone' });
  return accept([{ type: 'TenantSettingsChanged', data: { ...settings, effectiveAt, recordedAt: context.now } }]);
}

/** The tenant stream's decider: settings are events too, so decisions use those in force at asOf. */
export const tenantDecider: Decider<TenantCommand, TenantEvent, TenantState> & {
  initialState(ids?: { tenantId?: string }): TenantState;
} = {
  initialState: initialTenantState,
  evolve: evolveTenant,
  decide: decideTenant,
};
