/**
 * Request and response bodies of the conversation and block routes of the HTTP API (issue 13:
 * direct conversations, small group conversations, blocking), beside `http.ts`. A conversation is
 * a room (`RoomInfo.conversation` says which kind): once opened, it is read and written with the
 * room routes and the WebSocket protocol like any room.
 */
import { z } from 'zod';
import { RoomInfo } from './rooms.ts';
import { RoomId } from './ids.ts';

/** A person's user id: an account's id, or the id of someone sharing a room with you. */
export const PersonId = z.string().min(1).max(200).describe('A user id: an account\'s id, or the id of someone you share a room with.').meta({ id: 'PersonId' });

/** `POST /api/v1/conversations/direct`: find or create your direct conversation with a person. */
export const OpenDirectRequest = z.object({ userId: PersonId }).meta({ id: 'OpenDirectRequest' });

/** `POST /api/v1/conversations/group`: create a group conversation that you own, with these people. */
export const CreateGroupRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional().describe('The group\'s name; by default its members\' names.'),
    userIds: z.array(PersonId).min(1).max(1000).describe('The people to add (you are added as owner); at most PARLEY_GROUP_CONVERSATION_MAX_MEMBERS with you.'),
  })
  .meta({ id: 'CreateGroupRequest' });

/** `POST /api/v1/conversations/:roomId/members`: add a person to a group conversation you are a member of. */
export const AddConversationMemberRequest = z.object({ userId: PersonId }).meta({ id: 'AddConversationMemberRequest' });

/** Path parameters of `/api/v1/conversations/:roomId/…`. */
export const ConversationParams = z.object({ roomId: RoomId });

/** A conversation's room. */
export const ConversationResponse = z.object({ room: RoomInfo }).meta({ id: 'ConversationResponse' });

/** Path parameters of `/api/v1/blocks/:userId`. */
export const BlockParams = z.object({ userId: PersonId });

/** One person you block. */
export const BlockInfo = z
  .object({ userId: z.string().describe('The person blocked.'), createdAt: z.number().int().describe('Unix ms when you blocked them.') })
  .meta({ id: 'BlockInfo' });

/** `PUT /api/v1/blocks/:userId`: the block, as first made. */
export const BlockResponse = z.object({ block: BlockInfo }).meta({ id: 'BlockResponse' });

/** `GET /api/v1/blocks`: the people you block, oldest block first. */
export const BlocksResponse = z.object({ blocks: z.array(BlockInfo) }).meta({ id: 'BlocksResponse' });
