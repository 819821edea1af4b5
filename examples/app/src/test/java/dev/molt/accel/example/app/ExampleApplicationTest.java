package dev.molt.accel.example.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.molt.accel.spring.MoltPools;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * The example application with its real workers: the Java worker of its own module (started by
 * {@code molt.accel.worker.main-class} from the test's class path) and the Python pool. An offloaded
 * endpoint answers asynchronously, so a MockMvc test performs the request, checks that async
 * processing started, then dispatches the result ({@code asyncDispatch}); without that second step it
 * would see an empty 200.
 */
@SpringBootTest(properties = "molt.accel.worker.start-timeout=60s")
@AutoConfigureMockMvc
class ExampleApplicationTest {

    @DynamicPropertySource
    static void interpreters(DynamicPropertyRegistry registry) {
        // the interpreter that sees msgpack here, and the scripts wherever the build runs
        registry.add("EXAMPLE_PYTHON", ScriptWorkers::python3WithMsgpack);
        registry.add("EXAMPLE_WORKERS_DIR", () -> ScriptWorkers.workersDir().toString());
    }

    @Autowired
    MockMvc mvc;

    @Autowired
    MoltPools pools;

    @Test
    void wordsAreCountedByTheApplicationsOwnJavaWorker() throws Exception {
        MvcResult started = mvc.perform(post("/words").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"text\": \"the cat and the hat and the bat\", \"top\": 2}"))
                .andExpect(request().asyncStarted())
                .andReturn();
        mvc.perform(asyncDispatch(started))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.words").value(8))
                .andExpect(jsonPath("$.distinct").value(5))
                .andExpect(jsonPath("$.top[0].word").value("the"))
                .andExpect(jsonPath("$.top[0].count").value(3))
                .andExpect(jsonPath("$.top[1].word").value("and"));
    }

    @Test
    void theJavaWorkersValidationIsABadRequest() throws Exception {
        MvcResult started = mvc.perform(post("/words").contentType(MediaType.APPLICATION_JSON).content("{\"text\": \" \"}"))
                .andExpect(request().asyncStarted())
                .andReturn();
        mvc.perform(asyncDispatch(started))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("MoltInvalidInput"));
    }

    @Test
    void computeIsAnsweredByThePythonPool() throws Exception {
        MvcResult started = mvc.perform(get("/compute").param("values", "1,2,3.5").param("scale", "2").param("offset", "1"))
                .andExpect(request().asyncStarted())
                .andReturn();
        mvc.perform(asyncDispatch(started))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.count").value(3))
                .andExpect(jsonPath("$.sum").value(16.0))
                .andExpect(jsonPath("$.scaled[2]").value(8.0));

        // the pool's worker is the Python script, a child of this JVM
        long pid = pools.pool("py").stats().pids().get(0);
        ProcessHandle worker = ProcessHandle.of(pid).orElseThrow();
        assertThat(worker.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
        assertThat(worker.info().command().orElse("")).contains("python");
    }

    @Test
    void thePythonWorkersValidationIsABadRequest() throws Exception {
        MvcResult started = mvc.perform(get("/compute").param("values", "1,two"))
                .andExpect(request().asyncStarted())
                .andReturn();
        mvc.perform(asyncDispatch(started))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("MoltInvalidInput"))
                .andExpect(jsonPath("$.detail").value("values must be a number")); // marked safe by the script
    }
}
