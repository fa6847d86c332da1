/* The writer module's image (writer.h), made part of libflightprof.so's
 * read-only data; FP_WRITER_IMAGE is its path at build time. */
    .section .rodata
    .balign 64
    .globl fp_writer_image
    .hidden fp_writer_image
fp_writer_image:
    .incbin FP_WRITER_IMAGE
    .globl fp_writer_image_end
    .hidden fp_writer_image_end
fp_writer_image_end:
    .section .note.GNU-stack, "", @progbits
