/** Twilio's REST errors as the `twilio` library raises them (RestException): HTTP status plus Twilio code. */
export interface TwilioErrorInfo {
  status?: number;
  code?: number;
  message: string;
}

export function twilioErrorInfo(err: unknown): TwilioErrorInfo {
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  return {
    status: typeof e?.status === 'number' ? e.status : undefined,
    code: typeof e?.code === 'number' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(err),
  };
}

export function isTwilioAuthError(err: unknown): boolean {
  const { status, code } = twilioErrorInfo(err);
  return status === 401 || code === 20003;
}

/** 4xx other than 408 and 429 will not succeed by retrying. */
export function isPermanentTwilioError(err: unknown): boolean {
  const { status } = twilioErrorInfo(err);
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}
