// Small shared UI pieces: progress bar, status pills, error box, confirmation dialog, toasts.
import { useEffect, useRef, type ReactNode } from 'react';
import { useApp } from '../lib/store.js';
import type { JobStatus } from '../lib/types.js';

export function ProgressBar({ value, status, label }: { value: number; status?: JobStatus | 'uploading'; label?: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div className={`progress progress-${status ?? 'running'}`} role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct} aria-label={label ?? 'progress'}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
      <span className="progress-text">{pct}%</span>
    </div>
  );
}

export function Pill({ kind, children, title }: { kind: 'ok' | 'warn' | 'bad' | 'info' | 'muted'; children: ReactNode; title?: string }) {
  return <span className={`pill pill-${kind}`} title={title}>{children}</span>;
}

const STATUS_KIND: Record<JobStatus, 'ok' | 'warn' | 'bad' | 'info' | 'muted'> = {
  queued: 'muted', running: 'info', succeeded: 'ok', failed: 'bad', cancelled: 'warn',
};
export function JobStatusPill({ status }: { status: JobStatus }) {
  return <Pill kind={STATUS_KIND[status]}>{status}</Pill>;
}

export function ErrorBox({ children, onRetry }: { children: ReactNode; onRetry?: () => void }) {
  return (
    <div className="error-box" role="alert">
      <span className="error-icon" aria-hidden>!</span>
      <div className="error-text">{children}</div>
      {onRetry && <button className="btn btn-small" onClick={onRetry}>Retry</button>}
    </div>
  );
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner-wrap"><span className="spinner" aria-hidden />{label && <span>{label}</span>}</span>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export interface ConfirmRequest {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void | Promise<void>;
}

/** Modal confirmation dialog (Escape / backdrop cancel, focus on Cancel by default for destructive actions). */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest | null; onClose: () => void }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!request) return;
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [request, onClose]);
  if (!request) return null;
  return (
    <div className="modal-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
        <h2 id="confirm-title">{request.title}</h2>
        <div className="modal-body">{request.body}</div>
        <div className="modal-actions">
          <button ref={cancelRef} className="btn" onClick={onClose}>Cancel</button>
          <button
            className={`btn ${request.danger ? 'btn-danger' : 'btn-primary'}`}
            onClick={() => { onClose(); void request.onConfirm(); }}
          >{request.confirmLabel}</button>
        </div>
      </div>
    </div>
  );
}

export function Toasts() {
  const { toasts, dismissToast } = useApp();
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <span>{t.text}</span>
          <button className="toast-close" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

export function TrashIcon() {
  return (
    <svg width="15" height="15" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6" />
    </svg>
  );
}
