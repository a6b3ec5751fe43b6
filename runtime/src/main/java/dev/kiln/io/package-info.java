/**
 * Reading and writing the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format, the way PyTorch and Hugging Face exchange weights, without third-party dependencies.
 *
 * <p>{@link dev.kiln.io.Safetensors#read} enforces every rule of the reference reader and never
 * trusts a length from the file before checking it against the file's size;
 * {@link dev.kiln.io.Safetensors#write} produces the reference writer's exact byte layout and
 * replaces the target atomically.
 */
package dev.kiln.io;
