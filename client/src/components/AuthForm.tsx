// The pieces the sign-in and sign-up pages share: the card's heading (the logo and a title), a
// labelled field with its validation message under it, and the form's error note and submit button
// (disabled, with a busy label, while the mutation runs). They hold no state and call nothing; the
// pages keep their forms, rules and mutations.
import type { ReactNode } from 'react';
import { Logo } from './Logo';
import { ErrorNote } from './ui';

export function AuthHeading({ title }: { title: string }) {
  return (
    <h1>
      <Logo size={26} />
      {` ${title}`}
    </h1>
  );
}

export function AuthField({ label, error, children }: { label: string; error?: { message?: string }; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
      {error && <small className="field-error">{error.message}</small>}
    </label>
  );
}

export function AuthSubmit({ mutation, label, busyLabel }: { mutation: { isPending: boolean; error: unknown }; label: string; busyLabel: string }) {
  return (
    <>
      <ErrorNote error={mutation.error} />
      <button type="submit" className="btn btn-primary btn-block" disabled={mutation.isPending}>
        {mutation.isPending ? busyLabel : label}
      </button>
    </>
  );
}
