/* Placeholder: filled by the radius codec work. */
#ifndef AGW_RADIUS_H
#define AGW_RADIUS_H
#endif
