/** Why a workflow cannot chat yet, and how to make it (from GET /api/workflows/<id>/chat/). */
import { Link } from 'react-router-dom';
import type { ChatCapability } from '../api/chat';

export function CannotChat({ cap, workflowId }: { cap: ChatCapability; workflowId: string | number }) {
  return (
    <div className="card cannot-chat" data-testid="cannot-chat">
      <h3>This workflow cannot chat yet</h3>
      <p>{cap.reason}</p>
      {cap.how_to && <p className="hint">{cap.how_to}</p>}
      <Link to={`/workflows/${workflowId}`}>Open it in the editor</Link>
    </div>
  );
}
