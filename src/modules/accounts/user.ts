export type Role = 'learner' | 'admin';

export interface User {
  id: number;
  username: string | null;
  nickname: string;
  role: Role;
  wechatOpenid: string | null;
  createdAt: Date;
}

/** What pages need to know about the person asking. */
export interface CurrentUser {
  id: number;
  username: string | null;
  nickname: string;
  role: Role;
  isAdmin: boolean;
  wechatOpenid: string | null;
}

/** What other learners may see of someone: a name, and whether they are the creator (an admin). */
export interface PublicProfile {
  id: number;
  nickname: string;
  isCreator: boolean;
}
