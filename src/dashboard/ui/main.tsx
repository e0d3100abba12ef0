import { render } from 'preact'
import { title } from './api.js'
import { connectLive } from './live.js'
import { href, useRoute } from './router.js'
import { DeadLettersView } from './views/dead-letters.js'
import { EndpointDetailView } from './views/endpoint-detail.js'
import { EndpointsView } from './views/endpoints.js'
import { InboundDetailView, InboundView } from './views/inbound.js'
import { MessageDetailView } from './views/message-detail.js'
import { MessagesView } from './views/messages.js'
import { OverviewView } from './views/overview.js'

const NAV = [
  ['', 'Overview'],
  ['endpoints', 'Endpoints'],
  ['messages', 'Messages'],
  ['dlq', 'Dead letters'],
  ['inbound', 'Inbound'],
] as const

function App() {
  const route = useRoute()
  const [section = '', id] = route.segments
  let view
  if (section === 'endpoints') view = id ? <EndpointDetailView id={id} /> : <EndpointsView />
  else if (section === 'messages') view = id ? <MessageDetailView id={id} /> : <MessagesView route={route} />
  else if (section === 'dlq') view = <DeadLettersView route={route} />
  else if (section === 'inbound') view = id ? <InboundDetailView id={id} /> : <InboundView route={route} />
  else view = <OverviewView />
  return (
    <div class="layout">
      <nav class="nav">
        <div class="brand">
          <span class="logo" aria-hidden="true" />
          <span>{title}</span>
        </div>
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

connectLive()
render(<App />, document.getElementById('app')!)
