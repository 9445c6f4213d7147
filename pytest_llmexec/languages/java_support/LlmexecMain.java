// pytest-llmexec's entry point for a Java program: runs the program's main, then notes on
// descriptor 3 that main returned and halts, so System.exit(0) from inside a function is
// not taken for a passed assert, and threads left running do not keep the program alive.

import java.io.FileOutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

public final class LlmexecMain {
    public static void main(String[] args) throws Exception {
        Method main = Class.forName(args[0]).getDeclaredMethod("main", String[].class);
        main.setAccessible(true);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException thrown) {
            System.out.flush();
            System.err.print("Exception in thread \"main\" ");
            thrown.getCause().printStackTrace();
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }
        System.out.flush();
        try (FileOutputStream note = new FileOutputStream("/proc/self/fd/3")) {
            note.write("main returned\n".getBytes(StandardCharsets.UTF_8));
        }
        Runtime.getRuntime().halt(0);
    }
}
