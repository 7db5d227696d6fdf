// Environment: DOM (renderer). Mounts the app on the API the preload exposed.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api-context.js';
import { App } from './App.js';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('renderer/index.html has no #root element.');

const api = window.btoe;
createRoot(container).render(
  <StrictMode>
    {api === undefined ? (
      <main className="app">
        <h1>BToE Companion</h1>
        <p role="alert" className="error">
          This page only works inside the BToE Companion app: the connection to the companion is missing.
        </p>
      </main>
    ) : (
      <ApiProvider api={api}>
        <App />
      </ApiProvider>
    )}
  </StrictMode>,
);
