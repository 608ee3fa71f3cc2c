/**
 * lib/rbtree.c: the kernel's red-black tree, node for node. Users that walk the tree's shape (as
 * iova_find_limit does since 371d7955e310) get the same nodes the kernel would, because insertion
 * and erasure rebalance exactly as __rb_insert / __rb_erase_augmented / ____rb_erase_color do.
 * Colours and parents are fields instead of the kernel's packed __rb_parent_color.
 */

export const RB_RED = 0;
export const RB_BLACK = 1;

export interface RbNode {
  rb_left: RbNode | null;
  rb_right: RbNode | null;
  rb_parent: RbNode | null;
  rb_color: number;
}

export interface RbRoot<N extends RbNode> {
  rb_node: N | null;
}

/** include/linux/rbtree.h rb_link_node (all versions): hang a new red node under parent. */
export function rb_link_node(node: RbNode, parent: RbNode | null): void {
  node.rb_parent = parent;
  node.rb_color = RB_RED;
  node.rb_left = node.rb_right = null;
}

/** include/linux/rbtree_augmented.h __rb_change_child (all versions). */
function __rb_change_child(old: RbNode, neu: RbNode | null, parent: RbNode | null, root: RbRoot<RbNode>): void {
  if (parent) {
    if (parent.rb_left === old) parent.rb_left = neu;
    else parent.rb_right = neu;
  } else root.rb_node = neu;
}

/** lib/rbtree.c __rb_rotate_set_parents (all versions). */
function __rb_rotate_set_parents(old: RbNode, neu: RbNode, root: RbRoot<RbNode>, color: number): void {
  const parent = old.rb_parent;
  neu.rb_parent = old.rb_parent;
  neu.rb_color = old.rb_color;
  old.rb_parent = neu;
  old.rb_color = color;
  __rb_change_child(old, neu, parent, root);
}

/** lib/rbtree.c rb_insert_color (5.6–6.18) → __rb_insert: recolour and rotate after rb_link_node. */
export function rb_insert_color(node: RbNode, root: RbRoot<RbNode>): void {
  let parent = node.rb_parent;
  let gparent: RbNode;
  let tmp: RbNode | null;
  for (;;) {
    if (!parent) {
      node.rb_parent = null;
      node.rb_color = RB_BLACK;
      break;
    }
    if (parent.rb_color === RB_BLACK) break;
    gparent = parent.rb_parent!;
    tmp = gparent.rb_right;
    if (parent !== tmp) {
      /* parent == gparent->rb_left */
      if (tmp && tmp.rb_color === RB_RED) {
        tmp.rb_parent = gparent; tmp.rb_color = RB_BLACK;
        parent.rb_parent = gparent; parent.rb_color = RB_BLACK;
        node = gparent;
        parent = node.rb_parent;
        node.rb_color = RB_RED;
        continue;
      }
      tmp = parent.rb_right;
      if (node === tmp) {
        tmp = node.rb_left;
        parent.rb_right = tmp;
        node.rb_left = parent;
        if (tmp) { tmp.rb_parent = parent; tmp.rb_color = RB_BLACK; }
        parent.rb_parent = node; parent.rb_color = RB_RED;
        parent = node;
        tmp = node.rb_right;
      }
      gparent.rb_left = tmp;
      parent.rb_right = gparent;
      if (tmp) { tmp.rb_parent = gparent; tmp.rb_color = RB_BLACK; }
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      break;
    } else {
      tmp = gparent.rb_left;
      if (tmp && tmp.rb_color === RB_RED) {
        tmp.rb_parent = gparent; tmp.rb_color = RB_BLACK;
        parent.rb_parent = gparent; parent.rb_color = RB_BLACK;
        node = gparent;
        parent = node.rb_parent;
        node.rb_color = RB_RED;
        continue;
      }
      tmp = parent.rb_left;
      if (node === tmp) {
        tmp = node.rb_right;
        parent.rb_left = tmp;
        node.rb_right = parent;
        if (tmp) { tmp.rb_parent = parent; tmp.rb_color = RB_BLACK; }
        parent.rb_parent = node; parent.rb_color = RB_RED;
        parent = node;
        tmp = node.rb_left;
      }
      gparent.rb_right = tmp;
      parent.rb_left = gparent;
      if (tmp) { tmp.rb_parent = gparent; tmp.rb_color = RB_BLACK; }
      __rb_rotate_set_parents(gparent, parent, root, RB_RED);
      break;
    }
  }
}

/** lib/rbtree.c ____rb_erase_color (5.6–6.18): restore the black height after erasing a black node. */
function ____rb_erase_color(parent: RbNode, root: RbRoot<RbNode>): void {
  let node: RbNode | null = null;
  let sibling: RbNode;
  let tmp1: RbNode | null;
  let tmp2: RbNode | null;
  for (;;) {
    sibling = parent.rb_right!;
    if (node !== sibling) {
      /* node == parent->rb_left */
      if (sibling.rb_color === RB_RED) {
        tmp1 = sibling.rb_left!;
        parent.rb_right = tmp1;
        sibling.rb_left = parent;
        tmp1.rb_parent = parent; tmp1.rb_color = RB_BLACK;
        __rb_rotate_set_parents(parent, sibling, root, RB_RED);
        sibling = tmp1;
      }
      tmp1 = sibling.rb_right;
      if (!tmp1 || tmp1.rb_color === RB_BLACK) {
        tmp2 = sibling.rb_left;
        if (!tmp2 || tmp2.rb_color === RB_BLACK) {
          sibling.rb_parent = parent; sibling.rb_color = RB_RED;
          if (parent.rb_color === RB_RED) parent.rb_color = RB_BLACK;
          else {
            node = parent;
            const p = node.rb_parent;
            if (p) { parent = p; continue; }
          }
          break;
        }
        tmp1 = tmp2.rb_right;
        sibling.rb_left = tmp1;
        tmp2.rb_right = sibling;
        parent.rb_right = tmp2;
        if (tmp1) { tmp1.rb_parent = sibling; tmp1.rb_color = RB_BLACK; }
        tmp1 = sibling;
        sibling = tmp2;
      }
      tmp2 = sibling.rb_left;
      parent.rb_right = tmp2;
      sibling.rb_left = parent;
      tmp1.rb_parent = sibling; tmp1.rb_color = RB_BLACK;
      if (tmp2) tmp2.rb_parent = parent;
      __rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
      break;
    } else {
      sibling = parent.rb_left!;
      if (sibling.rb_color === RB_RED) {
        tmp1 = sibling.rb_right!;
        parent.rb_left = tmp1;
        sibling.rb_right = parent;
        tmp1.rb_parent = parent; tmp1.rb_color = RB_BLACK;
        __rb_rotate_set_parents(parent, sibling, root, RB_RED);
        sibling = tmp1;
      }
      tmp1 = sibling.rb_left;
      if (!tmp1 || tmp1.rb_color === RB_BLACK) {
        tmp2 = sibling.rb_right;
        if (!tmp2 || tmp2.rb_color === RB_BLACK) {
          sibling.rb_parent = parent; sibling.rb_color = RB_RED;
          if (parent.rb_color === RB_RED) parent.rb_color = RB_BLACK;
          else {
            node = parent;
            const p = node.rb_parent;
            if (p) { parent = p; continue; }
          }
          break;
        }
        tmp1 = tmp2.rb_left;
        sibling.rb_right = tmp1;
        tmp2.rb_left = sibling;
        parent.rb_left = tmp2;
        if (tmp1) { tmp1.rb_parent = sibling; tmp1.rb_color = RB_BLACK; }
        tmp1 = sibling;
        sibling = tmp2;
      }
      tmp2 = sibling.rb_right;
      parent.rb_left = tmp2;
      sibling.rb_right = parent;
      tmp1.rb_parent = sibling; tmp1.rb_color = RB_BLACK;
      if (tmp2) tmp2.rb_parent = parent;
      __rb_rotate_set_parents(parent, sibling, root, RB_BLACK);
      break;
    }
  }
}

/** lib/rbtree.c rb_erase (5.6–6.18) → __rb_erase_augmented + ____rb_erase_color. */
export function rb_erase(node: RbNode, root: RbRoot<RbNode>): void {
  const child = node.rb_right;
  let tmp = node.rb_left;
  let parent: RbNode | null;
  let rebalance: RbNode | null;
  if (!tmp) {
    /* case 1: at most one child, the right one */
    parent = node.rb_parent;
    const pcolor = node.rb_color;
    __rb_change_child(node, child, parent, root);
    if (child) {
      child.rb_parent = parent;
      child.rb_color = pcolor;
      rebalance = null;
    } else rebalance = pcolor === RB_BLACK ? parent : null;
  } else if (!child) {
    /* still case 1, the child is node->rb_left */
    tmp.rb_parent = node.rb_parent;
    tmp.rb_color = node.rb_color;
    parent = node.rb_parent;
    __rb_change_child(node, tmp, parent, root);
    rebalance = null;
  } else {
    let successor: RbNode = child;
    let child2: RbNode | null;
    tmp = child.rb_left;
    if (!tmp) {
      /* case 2: the successor is node's right child */
      parent = successor;
      child2 = successor.rb_right;
    } else {
      /* case 3: the successor is the leftmost node of node's right subtree */
      do {
        parent = successor;
        successor = tmp;
        tmp = tmp.rb_left;
      } while (tmp);
      child2 = successor.rb_right;
      parent.rb_left = child2;
      successor.rb_right = child;
      child.rb_parent = successor;
    }
    const left = node.rb_left!;
    successor.rb_left = left;
    left.rb_parent = successor;
    const pparent = node.rb_parent;
    const pcolor = node.rb_color;
    __rb_change_child(node, successor, pparent, root);
    if (child2) {
      child2.rb_parent = parent; child2.rb_color = RB_BLACK;
      rebalance = null;
    } else {
      rebalance = successor.rb_color === RB_BLACK ? parent : null;
    }
    successor.rb_parent = pparent;
    successor.rb_color = pcolor;
  }
  if (rebalance) ____rb_erase_color(rebalance, root);
}

/** lib/rbtree.c rb_next (all versions): the in-order successor. */
export function rb_next<N extends RbNode>(node: N): N | null {
  let n: RbNode = node;
  if (n.rb_right) {
    n = n.rb_right;
    while (n.rb_left) n = n.rb_left;
    return n as N;
  }
  let parent: RbNode | null;
  while ((parent = n.rb_parent) && n === parent.rb_right) n = parent;
  return parent as N | null;
}

/** lib/rbtree.c rb_prev (all versions): the in-order predecessor. */
export function rb_prev<N extends RbNode>(node: N): N | null {
  let n: RbNode = node;
  if (n.rb_left) {
    n = n.rb_left;
    while (n.rb_right) n = n.rb_right;
    return n as N;
  }
  let parent: RbNode | null;
  while ((parent = n.rb_parent) && n === parent.rb_left) n = parent;
  return parent as N | null;
}

/** lib/rbtree.c rb_first (all versions; 6.18: a static inline in include/linux/rbtree.h:50): the leftmost node. */
export function rb_first<N extends RbNode>(root: RbRoot<N>): N | null {
  let n: RbNode | null = root.rb_node;
  if (!n) return null;
  while (n.rb_left) n = n.rb_left;
  return n as N;
}
