package dev.molt.accel.test.example;

import dev.molt.accel.test.AutoConfigureMoltWorker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/**
 * The README's MockMvc and MockMvcTester examples: a {@code @WebMvcTest} whose offloaded endpoints
 * run on an in-process worker serving {@link WordsExports}. No process is started.
 */
@WebMvcTest(WordsApplication.WordsController.class)
@AutoConfigureMoltWorker(exports = WordsExports.class)
class MockMvcExampleTests {

    @Autowired
    MockMvc mockMvc;

    @Autowired
    MockMvcTester mvc;

    /**
     * An offloaded endpoint answers asynchronously (the call runs on the worker while the servlet
     * thread is released): MockMvc's first {@code perform} only starts it, {@code asyncDispatch}
     * completes it.
     */
    @Test
    void mockMvcNeedsAsyncDispatch() throws Exception {
        MvcResult started = mockMvc.perform(post("/words").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"text\": \"one two  three\"}"))
                .andExpect(request().asyncStarted())
                .andReturn();
        mockMvc.perform(asyncDispatch(started))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.words").value(3));
        assertThat(ProcessHandle.current().children().count()).as("no worker process").isZero();
    }

    /** Why: without {@code asyncDispatch} the response is still an empty 200 (the body comes later). */
    @Test
    void withoutAsyncDispatchTheResponseIsStillEmpty() throws Exception {
        MvcResult started = mockMvc.perform(post("/words").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"text\": \"one two\"}"))
                .andReturn();
        assertThat(started.getRequest().isAsyncStarted()).isTrue();
        assertThat(started.getResponse().getStatus()).isEqualTo(200);
        assertThat(started.getResponse().getContentAsString()).isEmpty();
        started.getAsyncResult(); // waits for the call, so that it does not outlive the test
    }

    /** MockMvcTester waits for an asynchronous result by itself: no {@code asyncDispatch}. */
    @Test
    void mockMvcTesterWaitsByItself() {
        assertThat(mvc.post().uri("/words").contentType(MediaType.APPLICATION_JSON).content("{\"text\": \"a b c d\"}"))
                .hasStatusOk()
                .bodyJson().extractingPath("$.words").isEqualTo(4);
    }

    @Test
    void aRejectionMarkedSafeIsTheDetailOfThe400() {
        assertThat(mvc.get().uri("/order?quantity=0"))
                .hasStatus(400)
                .bodyJson().isLenientlyEqualTo("{\"error\": \"MoltInvalidInput\", \"detail\": \"quantity must be positive, got 0\"}");
        assertThat(mvc.get().uri("/order?quantity=2")).hasStatusOk().bodyJson().extractingPath("$.words").isEqualTo(2);
    }

    @Test
    void aDeadlineOf250MsStillHoldsWithoutTimeoutScale() throws Exception {
        MvcResult started = mockMvc.perform(get("/slow?ms=3000")).andExpect(request().asyncStarted()).andReturn();
        mockMvc.perform(asyncDispatch(started))
                .andExpect(status().isGatewayTimeout())
                .andExpect(jsonPath("$.error").value("MoltTimeout"));
    }
}
