import { render } from 'preact'
import { isPortal, portalTenant, portalTheme, title } from './api.js'
import { connectLive } from './live.js'
import { href, useRoute } from './router.js'
import { CatalogView } from './views/catalog.js'
import { DeadLettersView } from './views/dead-letters.js'
import { EndpointDetailView } from './views/endpoint-detail.js'
import { EndpointsView } from './views/endpoints.js'
import { InboundDetailView, InboundView } from './views/inbound.js'
import { MessageDetailView } from './views/message-detail.js'
import { MessagesView } from './views/messages.js'
import { OverviewView } from './views/overview.js'

const NAV: readonly (readonly [string, string])[] = isPortal
  ? [
      ['endpoints', 'Endpoints'],
      ['messages', 'Messages'],
      ['dlq', 'Dead letters'],
      ['catalog', 'Event types'],
    ]
  : [
      ['', 'Overview'],
      ['endpoints', 'Endpoints'],
      ['messages', 'Messages'],
      ['dlq', 'Dead letters'],
      ['inbound', 'Inbound'],
      ['catalog', 'Event types'],
    ]

function App() {
  const route = useRoute()
  const [first, id] = route.segments
  const section = first ?? (isPortal ? 'endpoints' : '')
  let view
  if (section === 'endpoints') view = id ? <EndpointDetailView id={id} /> : <EndpointsView />
  else if (section === 'messages') view = id ? <MessageDetailView id={id} /> : <MessagesView route={route} />
  else if (section === 'dlq') view = <DeadLettersView route={route} />
  else if (section === 'catalog') view = <CatalogView />
  else if (section === 'inbound' && !isPortal) view = id ? <InboundDetailView id={id} /> : <InboundView route={route} />
  else view = isPortal ? <EndpointsView /> : <OverviewView />
  return (
    <div class="layout">
      <nav class="nav">
        <div class="brand">
          {portalTheme.logo ? <img class="logo-img" src={portalTheme.logo} alt="" /> : <span class="logo" aria-hidden="true" />}
          <span>{title}</span>
        </div>
        {isPortal && portalTenant && <div class="tenant">{portalTenant}</div>}
        {NAV.map(([path, label]) => (
          <a class={section === path ? 'active' : ''} href={href(`/${path}`)}>
            {label}
          </a>
        ))}
      </nav>
      <main class="main">{view}</main>
    </div>
  )
}

// The accent colour through the CSSOM, which the CSP allows (an inline style attribute it would not).
if (portalTheme.accent && /^#[0-9a-fA-F]{6}$/.test(portalTheme.accent)) document.documentElement.style.setProperty('--accent', portalTheme.accent)
if (!isPortal) connectLive()
render(<App />, document.getElementById('app')!)
