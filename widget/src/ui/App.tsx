import type { ChatController } from '../store/controller';
import { AgentApp } from './AgentApp';
import { ControllerContext } from './context';
import { CustomerApp } from './CustomerApp';

export function App({ controller, title }: { controller: ChatController; title?: string }) {
  return (
    <ControllerContext.Provider value={controller}>
      {controller.store.getState().mode === 'agent' ? <AgentApp /> : <CustomerApp title={title} />}
    </ControllerContext.Provider>
  );
}
