/** The frame: navigation, the sign-in gate, and one page per address. */
import { lazy, Suspense } from 'preact/compat';
import { api, scope } from './api.ts';
import { navigate, path } from './router.ts';
import { SignIn } from './pages/sign-in.tsx';
import { SweepsPage } from './pages/sweeps.tsx';
import { SweepPage } from './pages/sweep.tsx';
import { WorkersPage } from './pages/workers.tsx';

// The new-sweep page carries a YAML parser: loaded only when opened.
const NewSweepPage = lazy(() => import('./pages/new-sweep.tsx').then((m) => m.NewSweepPage));

function Page() {
  const p = path.value;
  const sweep = /^\/sweeps\/(sw_[0-9a-f]{1,32})\/?$/.exec(p);
  if (sweep) return <SweepPage id={sweep[1]!} />;
  if (p === '/workers') return <WorkersPage />;
  if (p === '/new')
    return (
      <Suspense fallback={<p>Loading…</p>}>
        <NewSweepPage />
      </Suspense>
    );
  if (p === '/' || p === '/sign-in') return <SweepsPage />;
  return (
    <p>
      Nothing here. <a href="/">All sweeps</a>
    </p>
  );
}

async function signOut() {
  await api.signOut().catch(() => {});
  scope.value = 'none';
  navigate('/');
}

export function App() {
  const s = scope.value;
  const here = path.value;
  const link = (href: string, label: string) => (
    <a href={href} aria-current={here === href ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <>
      <header class="top">
        <a class="brand" href="/">
          sweeps
        </a>
        {s !== null && s !== 'none' && (
          <nav aria-label="main">
            {link('/', 'Sweeps')}
            {link('/workers', 'Workers')}
            {link('/new', 'New sweep')}
            <span class="scope">{s === 'write' ? 'write key' : 'read-only key'}</span>
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      {/* While the session is being checked the page already loads its data: a 401 from any read turns it
          into the sign-in form (nothing is shown without a valid session), and it saves a round trip. */}
      <main>{s === 'none' ? <SignIn /> : <Page />}</main>
    </>
  );
}
