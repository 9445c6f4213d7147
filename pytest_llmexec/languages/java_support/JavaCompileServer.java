// pytest-llmexec's warm Java compiler: one JVM compiles request after request.
//
// Runs in the native sandbox server. A request on stdin is a count of source files, then
// for each its name and its text (every string: a 4-byte big-endian length, then UTF-8).
// The answer on stdout: a status (0 compiled, 1 compile errors, 2 the compiler failed),
// the error diagnostics, then the class files (count; name, bytes). Nothing is written to
// disk and no annotation processor runs (the options come from the command line).

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

public final class JavaCompileServer {
    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String name, String text) {
            super(URI.create("string:///" + name), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    private static final class Output extends SimpleJavaFileObject {
        private final Map<String, ByteArrayOutputStream> sink;
        private final String path;

        Output(String path, Kind kind, Map<String, ByteArrayOutputStream> sink) {
            super(URI.create("memory:///" + path), kind);
            this.path = path;
            this.sink = sink;
        }

        @Override
        public OutputStream openOutputStream() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            sink.put(path, bytes);
            return bytes;
        }
    }

    private static byte[] readBlob(DataInputStream in) throws IOException {
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        return data;
    }

    private static void writeBlob(DataOutputStream out, byte[] data) throws IOException {
        out.writeInt(data.length);
        out.write(data);
    }

    public static void main(String[] args) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        StandardJavaFileManager standard =
                compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8);
        List<String> options = Arrays.asList(args);
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(System.out));
        while (true) {
            int count;
            try {
                count = in.readInt();
            } catch (EOFException end) {
                return;
            }
            List<JavaFileObject> sources = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = new String(readBlob(in), StandardCharsets.UTF_8);
                String text = new String(readBlob(in), StandardCharsets.UTF_8);
                sources.add(new Source(name, text));
            }
            Map<String, ByteArrayOutputStream> classes = new TreeMap<>();
            JavaFileManager manager = new ForwardingJavaFileManager<JavaFileManager>(standard) {
                @Override
                public JavaFileObject getJavaFileForOutput(
                        Location location, String className, JavaFileObject.Kind kind,
                        FileObject sibling) {
                    return new Output(className.replace('.', '/') + kind.extension, kind, classes);
                }
            };
            DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
            StringBuilder text = new StringBuilder();
            int status;
            boolean broken = false;
            try {
                boolean ok = compiler.getTask(null, manager, diagnostics, options, null, sources)
                        .call();
                status = ok ? 0 : 1;
            } catch (Throwable failure) { // a compiler crash, or out of memory
                status = 2;
                broken = true;
                text.append("the compiler failed: ").append(failure).append('\n');
            }
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() != Diagnostic.Kind.ERROR) {
                    continue;
                }
                String where = d.getSource() == null ? "" : d.getSource().getName().substring(1);
                text.append(where).append(':').append(d.getLineNumber()).append(": error: ")
                        .append(d.getMessage(null)).append('\n');
            }
            out.writeInt(status);
            writeBlob(out, text.toString().getBytes(StandardCharsets.UTF_8));
            out.writeInt(status == 0 ? classes.size() : 0);
            if (status == 0) {
                for (Map.Entry<String, ByteArrayOutputStream> entry : classes.entrySet()) {
                    writeBlob(out, entry.getKey().getBytes(StandardCharsets.UTF_8));
                    writeBlob(out, entry.getValue().toByteArray());
                }
            }
            out.flush();
            if (broken) {
                return; // a fresh compiler for the next request
            }
        }
    }
}
