/** Why a workflow cannot chat yet, and how to make it (from GET /api/workflows/<id>/chat/). */
import { Link } from 'react-router-dom';
import type { ChatCapability } from '../api/chat';
import { Markdown } from './Markdown';

export function CannotChat({ cap, workflowId }: { cap: ChatCapability; workflowId: string | number }) {
  return (
    <div className="card cannot-chat" data-testid="cannot-chat">
      <div className="cannot-chat-title">This workflow cannot chat yet</div>
      <p>{cap.reason}</p>
      {cap.how_to && (
        <div className="cannot-chat-how">
          <b>How to make it chat</b>
          <Markdown text={cap.how_to} />
        </div>
      )}
      <Link to={`/workflows/${workflowId}`} className="btn">
        Open it in the editor
      </Link>
    </div>
  );
}
